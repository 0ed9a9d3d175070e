/* Charts of the oversight dashboard (Apache ECharts, served locally). Drawn by charts.js from the JSON endpoint named
   in each chart's data-source attribute. */
(function () {
  "use strict";
  var GRADE_COLOURS = { A: "#2e7d32", B: "#1d4f91", C: "#ef6c00", D: "#c62828" };
  function pctAxis() {
    return { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  }

  function rateSeries(rows, key, name, colour) {
    return { name: name, type: "bar", itemStyle: { color: colour },
             data: rows.map(function (d) { var v = d.rates[key]; return v === null ? "-" : v; }) };
  }

  function base(names) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v === "-" ? "—" : v + "%"; } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: pctAxis(),
      yAxis: { type: "category", data: names, inverse: true }
    };
  }

  function reporting(el, data) {
    var rows = data.departments;
    var opt = base(rows.map(function (d) { return d.short_name; }));
    opt.series = [rateSeries(rows, "on_time_rate", "信息报送及时率", "#1d4f91"),
                  rateSeries(rows, "rejection_rate", "退回率", "#c62828")];
    return opt;
  }

  function handling(el, data) {
    var rows = data.departments;
    var opt = base(rows.map(function (d) { return d.short_name; }));
    opt.series = [rateSeries(rows, "check_coverage", "核查覆盖率", "#00838f"),
                  rateSeries(rows, "feedback_rate", "反馈完整率", "#1d4f91"),
                  rateSeries(rows, "objection_on_time_rate", "异议按期办结率", "#6a1b9a"),
                  rateSeries(rows, "repair_on_time_rate", "修复按期办结率", "#2e7d32"),
                  rateSeries(rows, "warning_ack_rate", "预警签收率", "#ef6c00")];
    return opt;
  }

  function grades(el, data) {
    var rows = data.domains;
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: rows.map(function (d) { return d.name; }), inverse: true },
      series: ["A", "B", "C", "D"].map(function (g) {
        return { name: g + "级", type: "bar", stack: "total", itemStyle: { color: GRADE_COLOURS[g] },
                 data: rows.map(function (d) { return d.grades[g] || 0; }) };
      })
    };
  }

  function inspections(el, data) {
    var rows = data.domains;
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: rows.map(function (d) { return d.name; }), axisLabel: { rotate: 45 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "随机抽取（户）", type: "bar", itemStyle: { color: "#1d4f91" }, data: rows.map(function (d) { return d.inspections_drawn; }) },
        { name: "到期应公示（户）", type: "bar", itemStyle: { color: "#9e9e9e" }, data: rows.map(function (d) { return d.inspections_due; }) },
        { name: "按期公示（户）", type: "bar", itemStyle: { color: "#2e7d32" }, data: rows.map(function (d) { return d.inspections_on_time; }) }
      ]
    };
  }

  var BUILDERS = { reporting: reporting, handling: handling, grades: grades, inspections: inspections };

  XinyongCharts.start(BUILDERS);
})();
