/* The compound/building map: fetches both layers for the visible box after every move. */
(() => {
  "use strict";
  const { t, el, config, fetchJSON } = window.GisApp;
  const cfg = config();
  const map = window[cfg.map_name];
  L.control.scale({ imperial: false }).addTo(map);
  const statusLine = document.getElementById("map-status");
  const compounds = L.geoJSON(null, { onEachFeature: compoundPopup }).addTo(map);
  const buildings = L.geoJSON(null, { onEachFeature: buildingPopup }).addTo(map);
  let inFlight = null;
  let namesShown = false;
  if (map.attributionControl) map.attributionControl.setPrefix(false);

  const NAMED_COMPOUNDS_MAX = 200; /* beyond that, names would only cover each other */

  function compoundPopup(feature, layer) {
    const p = feature.properties;
    if (namesShown) {
      layer.bindTooltip(() => el("span", {}, [p.name]), {
        permanent: true,
        direction: "top",
        className: "compound-label",
      });
    }
    layer.bindPopup(() =>
      el("div", { className: "popup" }, [
        el("strong", {}, [p.name]),
        p.address ? el("div", {}, [p.address]) : null,
      ])
    );
  }

  function buildingPopup(feature, layer) {
    const p = feature.properties;
    layer.bindTooltip(() => el("span", {}, [p.name]), { sticky: true });
    layer.bindPopup(() =>
      el("div", { className: "popup building-popup" }, [
        el("strong", {}, [p.name]),
        p.compound_name ? el("div", {}, [p.compound_name]) : null,
        el("div", {}, [t("building_floors", { above: p.floors_above ?? 0, below: p.floors_below ?? 0 })]),
        el("div", {}, [t("plan_floors", { count: p.plan_floors })]),
        el("a", { href: cfg.building_url + p.id, className: "open-building" }, [t("open_building")]),
      ])
    );
  }

  function refill(layer, collection) {
    layer.clearLayers();
    layer.addData(collection);
    if (collection.style) layer.setStyle(collection.style);
  }

  function load() {
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    const b = map.getBounds().pad(0.25);
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",");
    const query = "?bbox=" + bbox;
    Promise.all([
      fetchJSON(cfg.compounds_url + query, { signal: inFlight.signal }),
      fetchJSON(cfg.buildings_url + query, { signal: inFlight.signal }),
    ])
      .then(([c, bl]) => {
        namesShown = c.numberReturned <= NAMED_COMPOUNDS_MAX;
        refill(compounds, c);
        refill(buildings, bl);
        let text = t("shown", { compounds: c.numberReturned, buildings: bl.numberReturned });
        if (c.truncated || bl.truncated) text += " · " + t("truncated", { count: bl.numberReturned });
        statusLine.textContent = text;
        document.body.dataset.buildingsLoaded = String(bl.numberReturned);
      })
      .catch((err) => {
        if (err.name !== "AbortError") statusLine.textContent = err.message;
      });
  }

  if (cfg.has_data) {
    map.on("moveend", load);
    load();
  }
})();
