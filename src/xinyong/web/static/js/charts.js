/* Shared drawing of console charts (Apache ECharts, served locally): every element with data-chart is drawn by the
   builder of that name from the JSON endpoint in its data-source attribute (each endpoint fetched once). No inline
   script, as the Content-Security-Policy requires. Pages call XinyongCharts.start({name: function (el, data) {…}}). */
(function () {
  "use strict";
  var cache = {};

  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      });
    }
    return cache[url];
  }

  function draw(el, builders) {
    var build = builders[el.getAttribute("data-chart")];
    if (!build || typeof echarts === "undefined") { return; }
    load(el.getAttribute("data-source")).then(function (data) {
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(el, data));
      el.setAttribute("data-rendered", "true");
      window.addEventListener("resize", function () { chart.resize(); });
    }).catch(function (err) {
      el.textContent = "图表数据加载失败：" + err.message;
      el.classList.add("chart-error");
    });
  }

  function start(builders) {
    function run() {
      var nodes = document.querySelectorAll("[data-chart]");
      for (var i = 0; i < nodes.length; i++) { draw(nodes[i], builders); }
    }
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); } else { run(); }
  }

  window.XinyongCharts = { start: start };
})();
