// The questionnaire's results: one bar chart per choice question (count per option), stacked by
// 单位类别·等级; the page's watermark is drawn into each chart, so a saved image keeps it.
(function () {
  var data = JSON.parse(document.getElementById("survey-data").textContent);
  var charts = [];
  (data.questions || []).forEach(function (q) {
    var holder = document.getElementById("chart-" + q.no);
    if (!holder || !q.options.length) return;
    var chart = echarts.init(holder, null, { renderer: "canvas" });
    var labels = q.options.map(function (o) { return o.key; });
    var series = data.groups.map(function (g) {
      return { name: g, type: "bar", stack: "n", data: q.options.map(function (o) { return o.by_group[g] || 0; }) };
    }).filter(function (s) { return s.data.some(function (v) { return v > 0; }); });
    chart.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: { bottom: 0, type: "scroll" },
      toolbox: { feature: { saveAsImage: { title: "保存图片" } } },
      grid: { left: 40, right: 20, top: 20, bottom: 50 },
      xAxis: { type: "category", data: labels }, yAxis: { type: "value", minInterval: 1 },
      graphic: [{ type: "text", left: "center", top: "middle", z: 100, silent: true,
                  style: { text: data.watermark, fill: "rgba(0,0,0,0.12)", font: "12px sans-serif" } }],
      series: series
    }, true);
    holder.setAttribute("data-drawn", series.length ? "1" : "0");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
