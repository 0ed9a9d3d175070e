/* Charts of the evaluation console page (Apache ECharts, served locally). Drawn by charts.js from the JSON endpoint
   named in each chart's data-source attribute. */
(function () {
  "use strict";
  var COLOURS = { A: "#2e7d32", B: "#1d4f91", C: "#ef6c00", D: "#c62828" };
  var GRADES = ["A", "B", "C", "D"];

  function label(data, g) {
    for (var i = 0; i < data.grades.length; i++) { if (data.grades[i].grade === g) { return g + "级 " + data.grades[i].label; } }
    return g;
  }

  function domains(el, data) {
    var names = data.domains.map(function (d) { return d.name; });
    var series = GRADES.map(function (g) {
      return {
        name: label(data, g), type: "bar", stack: "total", itemStyle: { color: COLOURS[g] },
        data: data.domains.map(function (d) { return d.counts[g] || 0; })
      };
    });
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: names, inverse: true },
      series: series
    };
  }

  function history(el, data) {
    var days = data.history.map(function (h) { return h.day; });
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: days },
      yAxis: { type: "value" },
      series: GRADES.map(function (g) {
        return { name: label(data, g), type: "line", itemStyle: { color: COLOURS[g] },
                 data: data.history.map(function (h) { return h.counts[g] || 0; }) };
      })
    };
  }

  function warnings(el, data) {
    var rows = data.warnings_by_domain;
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: [{ left: 8, right: "55%", top: 40, bottom: 8, containLabel: true },
             { left: "52%", right: 24, top: 40, bottom: 8, containLabel: true }],
      xAxis: [{ type: "category", data: rows.map(function (r) { return r.name; }), gridIndex: 0, axisLabel: { rotate: 45 } },
              { type: "category", data: data.warnings_by_day.map(function (r) { return r.day.slice(5); }), gridIndex: 1 }],
      yAxis: [{ type: "value", gridIndex: 0, minInterval: 1 }, { type: "value", gridIndex: 1, minInterval: 1 }],
      series: [
        { name: "各领域预警（条）", type: "bar", xAxisIndex: 0, yAxisIndex: 0, itemStyle: { color: "#b71c1c" },
          data: rows.map(function (r) { return r.total; }) },
        { name: "近30日每日新增预警（条）", type: "bar", xAxisIndex: 1, yAxisIndex: 1, itemStyle: { color: "#ef6c00" },
          data: data.warnings_by_day.map(function (r) { return r.count; }) }
      ]
    };
  }

  var BUILDERS = { domains: domains, history: history, warnings: warnings };

  XinyongCharts.start(BUILDERS);
})();
