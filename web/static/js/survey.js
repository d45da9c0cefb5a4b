/* Survey preview: the detected rooms on a plan (L.CRS.Simple, metres) with findings outlined red,
   the building on a geographic map, and control points clicked on both for the georeference. */
(() => {
  "use strict";
  const { t, vocab, el, config, area } = window.GisApp;
  const cfg = config();
  const floor = cfg.floors[cfg.floor_index];
  const csrf = document.querySelector("meta[name='csrf-token']").content;

  const plan = L.map("plan-map", { crs: L.CRS.Simple, minZoom: -6, maxZoom: 6, zoomSnap: 0.25, attributionControl: false });
  const rooms = L.geoJSON(floor ? floor.rooms : null, {
    style: (f) => ({
      color: f.properties.findings.length ? "#d62828" : "#34495e",
      weight: f.properties.findings.length ? 3 : 1,
      fillColor: cfg.colours[f.properties.use_category] || "#d9d9d9",
      fillOpacity: 0.7,
    }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      const lines = [
        el("div", { className: "tip-title" }, [(p.number || "—") + (p.name ? " " + p.name : "")]),
        el("div", {}, [t("use_category") + "：" + vocab(p.use_category)]),
        el("div", {}, [t("usable_area") + "：" + area(p.usable_area_m2) + " m²"]),
      ];
      p.findings.forEach((n) => lines.push(el("div", { className: "tip-finding" }, [n.code + " " + n.message])));
      layer.bindTooltip(() => el("div", { className: "room-tip" }, lines), { sticky: true });
    },
  }).addTo(plan);
  if (floor && floor.rooms.features.length) plan.fitBounds(rooms.getBounds(), { padding: [10, 10] });
  else plan.setView([0, 0], 0);

  const geo = L.map("geo-map", { attributionControl: false, maxZoom: 22 });
  if (cfg.base_map_url) L.tileLayer(cfg.base_map_url, { maxZoom: 20 }).addTo(geo);
  const footprints = L.geoJSON(null, { style: { color: "#1f4e79", weight: 2, fillOpacity: 0.2 } }).addTo(geo);
  let fitted = null;
  fetch(cfg.buildings_url, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((fc) => {
      footprints.addData(fc);
      const mine = fc.features.filter((f) => f.id === cfg.building_id);
      const target = mine.length ? L.geoJSON(mine) : footprints;
      if (target.getLayers().length) geo.fitBounds(target.getBounds(), { padding: [20, 20], maxZoom: 19 });
      else geo.setView([35, 105], 4);
      document.body.dataset.geoReady = "1";
    });

  /* control points: a plan click, then a map click, makes one pair */
  const points = [];
  let pendingPlan = null;
  const markers = L.layerGroup().addTo(plan);
  const geoMarkers = L.layerGroup().addTo(geo);
  const list = document.getElementById("control-points");
  const field = document.getElementById("control-points-field");
  const picking = document.getElementById("pick-points");
  const result = document.getElementById("georef-result");

  function redraw() {
    list.replaceChildren(
      ...points.map((p, i) =>
        el("li", {}, [t("control_point", { n: i + 1, x: p[0].toFixed(2), y: p[1].toFixed(2), lon: p[2].toFixed(7), lat: p[3].toFixed(7) })])
      )
    );
    field.value = points.length ? JSON.stringify(points) : "";
    document.body.dataset.controlPoints = String(points.length);
  }

  plan.on("click", (e) => {
    if (!picking.checked) return;
    pendingPlan = [e.latlng.lng, e.latlng.lat];
    L.circleMarker(e.latlng, { radius: 5, color: "#d62828" }).addTo(markers);
    result.textContent = t("control_point_now_map");
  });
  geo.on("click", (e) => {
    if (!picking.checked || !pendingPlan) return;
    points.push([pendingPlan[0], pendingPlan[1], e.latlng.lng, e.latlng.lat]);
    L.circleMarker(e.latlng, { radius: 5, color: "#d62828" }).addTo(geoMarkers);
    pendingPlan = null;
    result.textContent = "";
    redraw();
  });
  document.getElementById("clear-points").addEventListener("click", () => {
    points.length = 0;
    pendingPlan = null;
    markers.clearLayers();
    geoMarkers.clearLayers();
    if (fitted) geo.removeLayer(fitted);
    result.textContent = "";
    redraw();
  });
  document.getElementById("fit-button").addEventListener("click", () => {
    const options = Object.fromEntries(new FormData(document.getElementById("options-form")));
    fetch(cfg.georef_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ points: points, method: document.getElementById("georef-method").value, options: options }),
    })
      .then((r) => r.json())
      .then((fit) => {
        if (fit.error) {
          result.textContent = fit.error.message;
          return;
        }
        if (fitted) geo.removeLayer(fitted);
        fitted = L.geoJSON(fit.outline, { style: { color: "#d62828", weight: 2, fill: false, dashArray: "4 3" } }).addTo(geo);
        result.textContent = t("georef_done", { method: fit.method, rms: fit.rms_m.toFixed(3), scale: fit.scale.toFixed(4), rotation: fit.rotation_deg.toFixed(2) });
        document.body.dataset.georefRms = fit.rms_m.toFixed(3);
      });
  });
  redraw();
  window.surveyMaps = { "plan-map": plan, "geo-map": geo }; /* for scripts and tests */
  document.body.dataset.planRooms = String(floor ? floor.rooms.features.length : 0);
})();
