/* The compound/building map. Far out, compounds come rolled up to regions (province, city, county
   by zoom) with their counts; nearer, aggregated as points with their building counts (clustered
   by the server); zoomed in, compound and building outlines for the visible box; closer still,
   the ground-floor rooms as vector tiles (hover for number, use and area; click for the room's
   card). Any of them can be coloured by an indicator (idle share, over-standard area, office
   occupancy) computed by the server. */
(() => {
  "use strict";
  const { t, vocab, el, config, fetchJSON, area } = window.GisApp;
  const cfg = config();
  const map = window[cfg.map_name];
  L.control.scale({ imperial: false }).addTo(map);
  const statusLine = document.getElementById("map-status");
  const chooser = document.getElementById("indicator");
  const card = document.getElementById("room-card");
  const compounds = L.geoJSON(null, { onEachFeature: compoundPopup }).addTo(map);
  const buildings = L.geoJSON(null, { onEachFeature: buildingPopup }).addTo(map);
  const clusters = L.layerGroup().addTo(map);
  let roomTiles = null;
  let inFlight = null;
  let namesShown = false;
  if (map.attributionControl) map.attributionControl.setPrefix(false);

  /* Rooms lie over the building outlines (they take hover and clicks at room zoom). The map's
     own minimum zoom is fixed so that the room layer's minimum does not become the map's. */
  map.createPane("rooms").style.zIndex = 450;
  if (map.options.minZoom === undefined) map.options.minZoom = 0;

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

  function regionMarker(f) {
    const p = f.properties;
    const [lng, lat] = f.geometry.coordinates;
    const name = p.name || t("region_unknown", { code: p.region_code || "—" });
    const size = Math.round(34 + 8 * Math.sqrt(p.compounds));
    const html = el("div", { className: "region-count" }, [
      el("span", { className: "region-name" }, [name]),
      el("span", { className: "region-number" }, [String(p.compounds)]),
    ]);
    const marker = L.marker([lat, lng], {
      icon: L.divIcon({ className: "region-marker", html: html, iconSize: [size, size] }),
      title: name,
      keyboard: true,
    });
    marker.on("add", () => {
      const node = marker.getElement();
      node.style.background = p.colour || "#4e79a7";
      node.dataset.region = p.region_code || "";
      node.dataset.compounds = String(p.compounds);
    });
    marker.bindTooltip(() =>
      el("div", {}, [
        el("strong", {}, [name]),
        el("div", {}, [t("compound_count", { count: p.compounds }) + " · " + t("building_count", { count: p.buildings })]),
        indicatorText(p) ? el("div", {}, [indicatorText(p)]) : null,
        el("div", { className: "hint" }, [t("zoom_into_region")]),
      ])
    );
    marker.on("click", () => zoomInto(p.bounds));
    return marker;
  }

  /* Fit the region's compounds, one level down at most (a city opens on its counties, a
     county on its compounds), and always at least one step closer. */
  function zoomInto(bounds) {
    const [minx, miny, maxx, maxy] = bounds;
    const box = L.latLngBounds([[miny, minx], [maxy, maxx]]);
    const zoom = map.getZoom();
    const levels = cfg.region_levels.map(([upto]) => upto).concat([cfg.cluster_below_zoom - 1]);
    const here = levels.findIndex((upto) => zoom <= upto);
    const deepest = levels[Math.min(here + 1, levels.length - 1)];
    const target = Math.min(Math.max(map.getBoundsZoom(box.pad(0.1)), zoom + 1), deepest);
    map.setView(box.getCenter(), target, { animate: false });
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

  const LEVEL_NAMES = { 省: t("level.省"), 市: t("level.市"), 县: t("level.县") };

  function loadRegions(signal) {
    const zoom = Math.max(0, Math.floor(map.getZoom()));
    return fetchJSON(cfg.regions_url + bboxQuery() + "&zoom=" + zoom, { signal }).then((c) => {
      compounds.clearLayers();
      buildings.clearLayers();
      clusters.clearLayers();
      c.features.forEach((f) => clusters.addLayer(regionMarker(f)));
      const total = c.features.reduce((n, f) => n + f.properties.compounds, 0);
      statusLine.textContent = t("shown_regions", {
        regions: c.numberReturned,
        level: LEVEL_NAMES[c.level] || c.level,
        compounds: total,
      });
      document.body.dataset.mode = "regions";
      document.body.dataset.regionLevel = c.level;
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
        rendererFactory: L.svg.tile, /* SVG paths take hover and clicks; a tile holds few rooms */
        vectorTileLayerStyles: { rooms: roomStyle(ROOM_STATUS) },
        interactive: true,
        getFeatureId: (f) => f.properties.room_id,
        minZoom: cfg.room_tiles_from_zoom, /* no requests while zooming out past it */
        maxNativeZoom: 22,
        fetchOptions: { credentials: "same-origin" },
      });
      roomTiles.on("load", () => {
        document.body.dataset.roomTiles = "loaded";
      });
      roomTiles.on("mouseover", (e) => {
        roomTiles.setFeatureStyle(e.layer.properties.room_id, hoverStyle(e.layer.properties));
        hover.setLatLng(e.latlng).setContent(roomHover(e.layer.properties)).addTo(map);
      });
      roomTiles.on("mouseout", (e) => {
        roomTiles.resetFeatureStyle(e.layer.properties.room_id);
        hover.remove();
      });
      roomTiles.on("click", (e) => openRoom(e.layer.properties));
      roomTiles.addTo(map);
      document.body.dataset.roomTiles = "on";
    } else if (!wanted && roomTiles) {
      map.removeLayer(roomTiles);
      roomTiles = null;
      document.body.dataset.roomTiles = "off";
    }
  }

  const ROOM_STATUS = cfg.room_status_colours;
  /* one hover label for the rooms (tooltips let the pointer through to the room beneath) */
  const hover = L.tooltip({ direction: "top", offset: [0, -8], className: "room-hover" });

  function hoverStyle(p) {
    return Object.assign(roomStyle(ROOM_STATUS)(p), { weight: 2.5, color: "#10202f" });
  }

  /* What a tile says about a room: number, use, area (and the agency using it). */
  function roomHover(p) {
    return el("div", { className: "room-hover-text" }, [
      el("strong", {}, [p.number || "—"]),
      el("div", {}, [vocab(p.use_category) + " · " + area(p.area_m2) + " m²"]),
      p.agency ? el("div", {}, [p.agency]) : null,
    ]);
  }

  function fact(term, value) {
    return [el("dt", {}, [term]), el("dd", {}, [value])];
  }

  /* The room's card from the same API as the building page's, with links to its full card
     and to the room on its floor plan. */
  function openRoom(p) {
    card.hidden = false;
    card.replaceChildren(el("p", { className: "hint" }, [t("loading")]));
    fetchJSON(cfg.room_api_url + p.room_id)
      .then((r) => {
        const onPlan = cfg.building_url + r.building_id + "?floor=" + r.floor_id + "&room=" + r.id;
        const findings = (r.findings && r.findings.findings) || [];
        card.replaceChildren(
          el("h3", {}, [(r.number || "—") + (r.name ? " " + r.name : "")]),
          el("p", { className: "hint" }, [r.building_name + " · " + r.floor_name]),
          el("dl", { className: "facts" }, [
            ...fact(t("use_category"), vocab(r.use_category) + (r.use_subtype ? " / " + vocab(r.use_subtype) : "")),
            ...fact(t("status"), vocab(r.status)),
            ...fact(t("usable_area"), area(r.usable_area_m2) + " m²"),
            ...fact(t("agency"), r.agency_name || t("none")),
            ...fact(t("occupants"), r.occupants.length ? r.occupants.map((o) => o.name).join("、") : t("none")),
            ...fact(t("room_findings"), findings.length ? findings.map((f) => f.message).join("；") : t("no_findings")),
          ]),
          el("p", {}, [el("a", { href: cfg.room_page_url + r.id, className: "open-room" }, [t("room_card_link")])]),
          el("p", {}, [el("a", { href: onPlan, className: "room-on-plan" }, [t("room_on_plan")])])
        );
        card.dataset.roomId = String(r.id);
      })
      .catch((err) => card.replaceChildren(el("p", { className: "warning" }, [err.message])));
  }

  function load() {
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    const zoom = map.getZoom();
    const loader =
      zoom < cfg.regions_below_zoom ? loadRegions : zoom < cfg.cluster_below_zoom ? loadClusters : loadOutlines;
    loader(inFlight.signal)
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
