// The trend chart of a dashboard: the institution's indicator next to the region's, from the
// release's frozen series; the page's watermark is drawn into the chart, so a saved image keeps it.
(function () {
  var holder = document.getElementById("trend");
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var chart = echarts.init(holder, null, { renderer: "canvas" });
  var select = document.getElementById("indicator");
  function values(map, periods) { return periods.map(function (p) { var v = map && map[p]; return v == null ? null : Number(v); }); }
  function draw(id) {
    var periods = data.periods || [];
    var series = [];
    if (data.institution) series.push({ name: "本机构", type: "line", connectNulls: true, data: values(data.institution[id], periods) });
    if (data.region && data.region[id]) series.push({ name: "全地区", type: "line", connectNulls: true, yAxisIndex: data.institution ? 1 : 0, data: values(data.region[id], periods) });
    chart.setOption({
      animation: false,
      title: { text: (data.names && data.names[id]) || id, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" }, legend: { bottom: 0 },
      toolbox: { feature: { saveAsImage: { title: "保存图片" } } },
      xAxis: { type: "category", data: periods },
      yAxis: data.institution ? [{ type: "value", name: "本机构" }, { type: "value", name: "全地区" }] : [{ type: "value" }],
      graphic: [{ type: "text", left: "center", top: "middle", z: 100, silent: true,
                  style: { text: data.watermark, fill: "rgba(0,0,0,0.12)", font: "14px sans-serif" } }],
      series: series
    }, true);
    holder.setAttribute("data-drawn", series.length ? "1" : "0");
  }
  if (select) { select.addEventListener("change", function () { draw(select.value); }); draw(select.value); }
  window.addEventListener("resize", function () { chart.resize(); });
})();
