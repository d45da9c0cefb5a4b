/* The compound/building map. Zoomed out, compounds come aggregated as points with their building
   counts (clustered by the server); zoomed in, compound and building outlines for the visible box;
   closer still, the ground-floor rooms as vector tiles under the outlines. Any of them can be coloured by an
   indicator (idle share, over-standard area, office occupancy) computed by the server. */
(() => {
  "use strict";
  const { t, el, config, fetchJSON, area } = window.GisApp;
  const cfg = config();
  const map = window[cfg.map_name];
  L.control.scale({ imperial: false }).addTo(map);
  const statusLine = document.getElementById("map-status");
  const chooser = document.getElementById("indicator");
  const compounds = L.geoJSON(null, { onEachFeature: compoundPopup }).addTo(map);
  const buildings = L.geoJSON(null, { onEachFeature: buildingPopup }).addTo(map);
  const clusters = L.layerGroup().addTo(map);
  let roomTiles = null;
  let inFlight = null;
  let namesShown = false;
  if (map.attributionControl) map.attributionControl.setPrefix(false);

  /* Rooms lie under the building outlines (which stay clickable), over any base map. */
  map.createPane("rooms").style.zIndex = 350;

  const NAMED_COMPOUNDS_MAX = 200; /* beyond that, names would only cover each other */
  const CELL_PIXELS = 80; /* compounds closer than this on screen share a point */

  function indicator() {
    return chooser ? chooser.value : "";
  }

  function indicatorText(p) {
    if (!indicator()) return null;
    if (p.indicator === null || p.indicator === undefined) return t("indicator_no_data");
    const label = chooser.options[chooser.selectedIndex].text;
    const value = indicator() === "over_standard" ? area(p.indicator) + " m²" : (p.indicator * 100).toFixed(1) + "%";
    return label + "：" + value;
  }

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
        indicatorText(p) ? el("div", { className: "indicator-value" }, [indicatorText(p)]) : null,
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
        indicatorText(p) ? el("div", { className: "indicator-value" }, [indicatorText(p)]) : null,
        el("a", { href: cfg.building_url + p.id, className: "open-building" }, [t("open_building")]),
      ])
    );
  }

  function refill(layer, collection) {
    layer.clearLayers();
    layer.addData(collection);
    if (collection.style) layer.setStyle(collection.style);
    const roomsShown = map.getZoom() >= cfg.room_tiles_from_zoom;
    if (collection.indicator) {
      layer.setStyle((f) => ({ fillColor: f.properties.colour, fillOpacity: layer === compounds ? 0.35 : 0.8 }));
    }
    if (roomsShown && layer === buildings) layer.setStyle({ fillOpacity: 0.12 }); /* rooms show through */
  }

  function clusterMarker(f) {
    const p = f.properties;
    const [lng, lat] = f.geometry.coordinates;
    const size = Math.round(26 + 8 * Math.sqrt(p.buildings));
    const html = el("div", { className: "cluster-count" }, [String(p.buildings)]);
    const marker = L.marker([lat, lng], {
      icon: L.divIcon({ className: "cluster", html: html, iconSize: [size, size] }),
      title: p.name || t("compound_count", { count: p.compounds }),
      keyboard: true,
    });
    marker.on("add", () => {
      const node = marker.getElement();
      node.style.background = p.colour || "#4e79a7";
      node.dataset.compounds = String(p.compounds);
    });
    marker.bindTooltip(() =>
      el("div", {}, [
        el("strong", {}, [p.name || t("compound_count", { count: p.compounds })]),
        el("div", {}, [t("building_count", { count: p.buildings })]),
        indicatorText(p) ? el("div", {}, [indicatorText(p)]) : null,
      ])
    );
    marker.on("click", () => {
      const [minx, miny, maxx, maxy] = p.bounds;
      map.fitBounds([[miny, minx], [maxy, maxx]], { maxZoom: cfg.cluster_below_zoom + 2, animate: false });
    });
    return marker;
  }

  function bboxQuery() {
    const b = map.getBounds().pad(0.25);
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",");
    return "?bbox=" + bbox + (indicator() ? "&indicator=" + indicator() : "");
  }

  function loadClusters(signal) {
    const cell = (CELL_PIXELS * 360) / (256 * Math.pow(2, map.getZoom()));
    return fetchJSON(cfg.clusters_url + bboxQuery() + "&cell=" + cell.toPrecision(6), { signal }).then((c) => {
      compounds.clearLayers();
      buildings.clearLayers();
      clusters.clearLayers();
      c.features.forEach((f) => clusters.addLayer(clusterMarker(f)));
      const total = c.features.reduce((n, f) => n + f.properties.compounds, 0);
      const built = c.features.reduce((n, f) => n + f.properties.buildings, 0);
      statusLine.textContent = t("shown_clusters", { compounds: total });
      document.body.dataset.mode = "clusters";
      document.body.dataset.buildingsLoaded = String(built);
    });
  }

  function loadOutlines(signal) {
    const query = bboxQuery();
    return Promise.all([
      fetchJSON(cfg.compounds_url + query, { signal }),
      fetchJSON(cfg.buildings_url + query, { signal }),
    ]).then(([c, bl]) => {
      namesShown = c.numberReturned <= NAMED_COMPOUNDS_MAX;
      clusters.clearLayers();
      refill(compounds, c);
      refill(buildings, bl);
      let text = t("shown", { compounds: c.numberReturned, buildings: bl.numberReturned });
      if (c.truncated || bl.truncated) text += " · " + t("truncated", { count: bl.numberReturned });
      statusLine.textContent = text;
      document.body.dataset.mode = "outlines";
      document.body.dataset.buildingsLoaded = String(bl.numberReturned);
    });
  }

  /* Rooms of the ground floor, coloured by status, from the scoped vector tiles. */
  function roomStyle(colours) {
    return (p) => ({
      fill: true,
      fillColor: colours[p.status] || "#d9d9d9",
      fillOpacity: 0.75,
      color: "#34495e",
      weight: 0.8,
    });
  }

  function showRoomTiles() {
    const wanted = map.getZoom() >= cfg.room_tiles_from_zoom && L.vectorGrid;
    if (wanted && !roomTiles) {
      roomTiles = L.vectorGrid.protobuf(cfg.room_tiles_url, {
        pane: "rooms",
        rendererFactory: L.canvas.tile,
        vectorTileLayerStyles: { rooms: roomStyle(ROOM_STATUS) },
        interactive: false,
        maxNativeZoom: 22, /* no minZoom: a layer's minZoom would become the map's */
        fetchOptions: { credentials: "same-origin" },
      });
      roomTiles.on("load", () => {
        document.body.dataset.roomTiles = "loaded";
      });
      roomTiles.addTo(map);
      document.body.dataset.roomTiles = "on";
    } else if (!wanted && roomTiles) {
      map.removeLayer(roomTiles);
      roomTiles = null;
      document.body.dataset.roomTiles = "off";
    }
  }

  const ROOM_STATUS = cfg.room_status_colours;

  function load() {
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    const clustered = map.getZoom() < cfg.cluster_below_zoom;
    (clustered ? loadClusters(inFlight.signal) : loadOutlines(inFlight.signal))
      .then(showRoomTiles)
      .catch((err) => {
        if (err.name !== "AbortError") statusLine.textContent = err.message;
      });
  }

  if (chooser) {
    chooser.addEventListener("change", () => {
      document.querySelectorAll("[data-indicator]").forEach((legend) => {
        legend.hidden = legend.dataset.indicator !== indicator();
      });
      load();
    });
  }

  if (cfg.has_data) {
    map.on("moveend", load);
    load();
  }
})();
