/* Dashboard charts (ECharts, served locally): entitled vs actual per agency, findings by kind,
   excess and idle area of the agencies furthest over, findings by severity. */
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
  /* the agencies furthest over their entitlement and those with the most idle space */
  const byExcess = a.filter((x) => x.excess > 0 || x.idle > 0).sort((x, y) => y.excess + y.idle - (x.excess + x.idle)).slice(0, 15);
  charts.push(
    bars(document.getElementById("chart-excess"), byExcess.map((x) => x.name), [
      { name: t("chart_excess"), type: "bar", stack: "m2", data: byExcess.map((x) => x.excess), itemStyle: { color: "#d73027" } },
      { name: t("chart_idle"), type: "bar", stack: "m2", data: byExcess.map((x) => x.idle), itemStyle: { color: "#fdae61" } },
    ])
  );
  const SEVERITY_COLOURS = { violation: "#c0392b", warning: "#edc948", data: "#8a96a3" };
  const severity = echarts.init(document.getElementById("chart-severity"), null, { renderer: "svg" });
  severity.setOption({
    animation: false,
    tooltip: { trigger: "item" },
    legend: { top: 0 },
    series: [
      {
        name: t("findings_count"),
        type: "pie",
        radius: ["35%", "65%"],
        data: (cfg.severities || []).map((s) => ({
          name: s.label,
          value: s.count,
          itemStyle: { color: SEVERITY_COLOURS[s.severity] || "#bab0ac" },
        })),
      },
    ],
  });
  charts.push(severity);
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  document.body.dataset.chartsReady = String(charts.length);
})();
