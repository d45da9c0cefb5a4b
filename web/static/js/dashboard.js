/* Dashboard charts (ECharts, served locally): entitled vs actual per agency, findings by kind. */
(() => {
  "use strict";
  const { t, config } = window.GisApp;
  const cfg = config();

  function bars(node, names, series) {
    const chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 20, bottom: 90, top: 40 },
      xAxis: { type: "category", data: names, axisLabel: { rotate: 35, interval: 0 } },
      yAxis: { type: "value" },
      series: series,
    });
    return chart;
  }

  const a = cfg.agencies || [];
  const charts = [
    bars(document.getElementById("chart-agencies"), a.map((x) => x.name), [
      { name: t("entitled_m2"), type: "bar", data: a.map((x) => x.entitled), itemStyle: { color: "#4e79a7" } },
      { name: t("actual_m2"), type: "bar", data: a.map((x) => x.actual), itemStyle: { color: "#f28e2b" } },
      { name: t("idle_m2"), type: "bar", data: a.map((x) => x.idle), itemStyle: { color: "#e15759" } },
    ]),
  ];
  const k = cfg.kinds || [];
  charts.push(
    bars(document.getElementById("chart-kinds"), k.map((x) => x.label), [
      { name: t("findings_count"), type: "bar", data: k.map((x) => x.count), itemStyle: { color: "#b07aa1" } },
    ])
  );
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  document.body.dataset.chartsReady = String(charts.length);
})();
