/* A floor plan in the plan frame (L.CRS.Simple, 1 unit = 1 m): rooms coloured by use or
   status, labelled with number and area, hover for details, click for the room card. */
(() => {
  "use strict";
  const { t, vocab, el, config, fetchJSON, area } = window.GisApp;
  const cfg = config();
  const map = window[cfg.map_name];
  L.control.scale({ imperial: false }).addTo(map);
  const statusLine = document.getElementById("floor-status");
  const card = document.getElementById("room-card");
  const labels = [];
  let scheme = "use";
  let colours = { use: {}, status: {} };
  let unknownColour = "#d9d9d9";
  let selectedLayer = null;
  const layersById = new Map();
  const rowsById = new Map();
  const list = document.querySelector("#room-list tbody");
  let sortKey = "number";
  let sortDir = 1;

  map.setMinZoom(-6);
  map.setMaxZoom(6);

  function styleFor(feature) {
    const p = feature.properties;
    const value = scheme === "use" ? p.use_category : p.shown_status;
    return {
      color: "#34495e",
      weight: 1,
      fillColor: colours[scheme][value] || unknownColour,
      fillOpacity: 0.75,
    };
  }

  function tooltip(p) {
    const occupants = p.occupants.length
      ? p.occupants.map((o) => o.name + (o.rank ? "（" + o.rank + "）" : "")).join("、")
      : t("none");
    return el("div", { className: "room-tip" }, [
      el("div", { className: "tip-title" }, [(p.number || "—") + (p.name ? " " + p.name : "")]),
      el("div", {}, [t("use_category") + "：" + vocab(p.use_category) + (p.use_subtype ? " / " + vocab(p.use_subtype) : "")]),
      el("div", {}, [t("usable_area") + "：" + area(p.usable_area_m2) + " m²"]),
      el("div", {}, [t("agency") + "：" + (p.agency_name || t("none"))]),
      el("div", {}, [t("occupants") + "：" + occupants]),
      el("div", { className: p.over_standard ? "tip-over" : "" }, [t("status") + "：" + statusText(p)]),
    ]);
  }

  /* 超标 first when the room is over standard, then the stored status it keeps. */
  function statusText(p) {
    return p.over_standard ? vocab(p.shown_status) + " · " + vocab(p.status) : vocab(p.status);
  }

  function label(p) {
    const [x, y] = p.label_point;
    const html = el("div", {}, [el("b", {}, [p.number || ""]), area(p.usable_area_m2) + " m²"]);
    return L.marker([y, x], {
      icon: L.divIcon({ className: "room-label", html: html, iconSize: null }),
      interactive: false,
      keyboard: false,
    });
  }

  /* Does a room of size [w, h] metres hold its label at this many pixels per metre? */
  function fits(size, scale) {
    return size[0] * scale >= 52 && size[1] * scale >= 26;
  }

  function onEachRoom(feature, layer) {
    layersById.set(feature.properties.id, layer);
  }

  /* One tooltip and one click handler for the group (not 300 of each); the layer is added to
     the map only once the view is fitted to it, so its rooms are projected once. */
  const rooms = L.geoJSON(null, { style: styleFor, onEachFeature: onEachRoom });
  rooms.bindTooltip((layer) => tooltip(layer.feature.properties), {
    sticky: true,
    className: "room-tooltip",
  });
  rooms.on("click", (event) => select(event.layer, event.layer.feature.properties.id));

  const labelLayer = L.layerGroup().addTo(map);

  function pixelsPerMetre() {
    return map.options.crs.scale(map.getZoom());
  }

  function collectLabels() {
    rooms.eachLayer((layer) => {
      const b = layer.getBounds();
      const size = [b.getEast() - b.getWest(), b.getNorth() - b.getSouth()];
      labels.push({ props: layer.feature.properties, size: size, marker: null });
    });
  }

  /* A label is shown only where it fits inside its room at the current zoom; it is made
     the first time it fits, so a zoomed-out floor of many rooms costs no label elements. */
  function fitLabels() {
    const scale = pixelsPerMetre();
    labels.forEach((entry) => {
      const show = fits(entry.size, scale);
      if (show && !entry.marker) entry.marker = label(entry.props).addTo(labelLayer);
      const node = entry.marker && entry.marker.getElement();
      if (node) node.classList.toggle("hidden", !show);
    });
  }

  function select(layer, id) {
    if (selectedLayer) rooms.resetStyle(selectedLayer);
    selectedLayer = layer;
    layer.setStyle({ weight: 3, color: "#c0392b" });
    markRow(id);
    card.replaceChildren(el("p", { className: "hint" }, [t("loading")]));
    fetchJSON(cfg.room_api_url + id)
      .then(renderCard)
      .catch((err) => card.replaceChildren(el("p", { className: "warning" }, [err.message])));
  }

  /* The room list under the plan: one row per room, sortable, a click selects the room. */
  const SORT_VALUES = {
    number: (p) => p.number || "",
    name: (p) => p.name || "",
    use: (p) => vocab(p.use_subtype || p.use_category),
    area: (p) => p.usable_area_m2,
    agency: (p) => p.agency_name || "",
    occupants: (p) => occupantText(p),
    status: (p) => statusText(p),
  };

  /* Room numbers in natural order ("402" before "4010"). Text columns use an ICU collator,
     made on the first click: building one costs tens of milliseconds on a cold page. */
  const DIGITS = /(\d+)/;
  function naturalCompare(a, b) {
    const x = a.split(DIGITS);
    const y = b.split(DIGITS);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] === y[i]) continue;
      const d = i % 2 ? Number(x[i]) - Number(y[i]) : 0; // odd pieces are digit runs
      return d || (x[i] < y[i] ? -1 : 1);
    }
    return x.length - y.length;
  }
  let collator = null;
  function textCompare(a, b) {
    collator = collator || new Intl.Collator(document.documentElement.lang, { numeric: true });
    return collator.compare(a, b);
  }
  function compareBy(key, dir) {
    const value = SORT_VALUES[key];
    const compare = key === "number" ? naturalCompare : textCompare;
    return (a, b) => {
      const va = value(a);
      const vb = value(b);
      const c = typeof va === "number" ? va - vb : compare(va, vb);
      return dir * (c || naturalCompare(a.number || "", b.number || ""));
    };
  }

  function occupantText(p) {
    return p.occupants.map((o) => o.name + (o.rank ? "（" + o.rank + "）" : "")).join("、");
  }

  /* A row is a clone of this one with its texts set: no markup is parsed, user text stays text. */
  const ROW = el("tr", {}, [
    el("td"), el("td"), el("td"), el("td", { className: "num" }), el("td"), el("td"),
    el("td", {}, [el("span", { className: "swatch" }), ""]),
  ]);
  ROW.setAttribute("role", "row"); // the list is laid out as a grid (app.css): say it is a table
  Array.from(ROW.children).forEach((td) => td.setAttribute("role", "cell"));

  function listRow(p) {
    const tr = ROW.cloneNode(true);
    const cells = tr.children;
    cells[0].textContent = p.number || "—";
    cells[1].textContent = p.name || "";
    cells[2].textContent = vocab(p.use_category) + (p.use_subtype ? " / " + vocab(p.use_subtype) : "");
    cells[3].textContent = area(p.usable_area_m2);
    cells[4].textContent = p.agency_name || "—";
    cells[5].textContent = occupantText(p) || "—";
    cells[6].firstChild.style.background = colours.status[p.shown_status] || unknownColour;
    cells[6].lastChild.data = statusText(p);
    tr.dataset.roomId = String(p.id);
    return tr;
  }

  function fillList(features) {
    if (!list) return;
    rowsById.clear();
    const props = features.map((f) => f.properties).sort(compareBy(sortKey, sortDir));
    const fragment = document.createDocumentFragment();
    props.forEach((p) => {
      const tr = listRow(p);
      rowsById.set(p.id, tr);
      fragment.append(tr);
    });
    list.replaceChildren(fragment);
    markSortButtons();
  }

  function sortList() {
    const props = [];
    rooms.eachLayer((layer) => props.push(layer.feature.properties));
    props.sort(compareBy(sortKey, sortDir));
    const fragment = document.createDocumentFragment();
    props.forEach((p) => fragment.append(rowsById.get(p.id)));
    list.append(fragment);
    markSortButtons();
  }

  function markSortButtons() {
    document.querySelectorAll("#room-list button.sort").forEach((button) => {
      if (button.dataset.sort === sortKey) {
        button.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      } else {
        button.removeAttribute("aria-sort");
      }
    });
  }

  function markRow(id) {
    if (!list) return;
    list.querySelectorAll("tr.selected").forEach((tr) => tr.classList.remove("selected"));
    const tr = rowsById.get(id);
    if (tr) {
      tr.classList.add("selected");
      tr.scrollIntoView({ block: "nearest" });
    }
  }

  if (list) {
    list.addEventListener("click", (event) => {
      const tr = event.target.closest("tr[data-room-id]");
      if (!tr) return;
      const id = Number(tr.dataset.roomId);
      const layer = layersById.get(id);
      if (!layer) return;
      select(layer, id);
      if (!map.getBounds().contains(layer.getBounds())) {
        map.panTo(layer.getBounds().getCenter(), { animate: false });
      }
    });
    document.querySelectorAll("#room-list button.sort").forEach((button) => {
      button.addEventListener("click", () => {
        sortDir = button.dataset.sort === sortKey ? -sortDir : 1;
        sortKey = button.dataset.sort;
        sortList();
      });
    });
  }

  function row(term, value) {
    return [el("dt", {}, [term]), el("dd", {}, [value])];
  }

  function table(headers, rows) {
    return el("table", {}, [
      el("thead", {}, [el("tr", {}, headers.map((h) => el("th", {}, [h])))]),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, [c ?? ""]))))),
    ]);
  }

  function sourceLine(source) {
    if (source.kind === "stored") {
      return t("findings_stored", { run: source.run_id, date: source.as_of, standard: source.standard });
    }
    if (source.kind === "computed") {
      return t("findings_computed", { date: source.as_of, standard: source.standard });
    }
    return t("findings_none");
  }

  function figuresLine(f) {
    const parts = [];
    if (f.area_m2 !== null) parts.push(t("area_m2") + " " + area(f.area_m2) + " m²");
    if (f.limit_m2 !== null) parts.push(t("limit_m2") + " " + area(f.limit_m2) + " m²");
    if (f.excess_m2 !== null) parts.push(t("excess_m2") + " " + area(f.excess_m2) + " m²");
    return parts.length ? el("p", { className: "figures" }, [parts.join(" · ")]) : null;
  }

  function findingsBlock(found) {
    const source = el("p", { className: "hint findings-source" }, [sourceLine(found.source)]);
    if (!found.findings.length) return [source, el("p", {}, [t("no_findings")])];
    const items = found.findings.map((f) => {
      const severity = { violation: t("severity.violation"), warning: t("severity.warning"), data: t("severity.data") };
      const head = [t("rule") + " " + f.rule + " " + f.rule_title, severity[f.severity] || f.severity];
      if (f.about === "person" && f.person) head.push(t("finding_about_person", { name: f.person }));
      const evidence = f.rooms.map((r) => (r.building || "") + " " + (r.number || "—") + " " + area(r.area || 0) + " m²");
      return el("li", { className: "finding sev-" + f.severity }, [
        el("div", { className: "finding-head" }, [head.join(" · ")]),
        el("p", {}, [f.message]),
        figuresLine(f),
        el("p", { className: "hint" }, [t("standard_version") + " " + (f.standard || "—") + " · " + f.as_of]),
        evidence.length ? el("p", { className: "hint" }, [t("evidence_rooms") + "：" + evidence.join("；")]) : null,
      ]);
    });
    return [source, el("ul", { className: "findings" }, items)];
  }

  function renderCard(r) {
    const facts = el("dl", { className: "facts" }, [
      ...row(t("use_category"), vocab(r.use_category) + (r.use_subtype ? " / " + vocab(r.use_subtype) : "")),
      ...row(t("status"), vocab(r.status)),
      ...row(t("usable_area"), area(r.usable_area_m2) + " m²"),
      ...row(t("area_rule"), r.area_rule),
      ...row(t("agency"), r.agency_name || t("none")),
    ]);
    const occupants = r.occupants.length
      ? table([t("name"), t("position"), t("rank")], r.occupants.map((o) => [o.name, o.position, o.rank]))
      : el("p", {}, [t("none")]);
    const history = r.history.length
      ? table(
          [t("name"), t("rank"), t("valid_from"), t("valid_to")],
          r.history.map((h) => [h.name, h.rank, h.valid_from, h.valid_to || t("until_now")])
        )
      : el("p", {}, [t("none")]);
    const versions = r.versions.length
      ? table(
          [t("valid_from"), t("number"), t("usable_area"), t("survey_batch")],
          r.versions.map((v) => [
            v.valid_from + " – " + (v.valid_to || t("until_now")),
            v.number || "—",
            area(v.usable_area_m2) + " m²",
            v.batch_id ? "#" + v.batch_id + (v.confirmed_on ? " " + v.confirmed_on : "") : "—",
          ])
        )
      : el("p", {}, [t("none")]);
    card.replaceChildren(
      el("h3", {}, [(r.number || "—") + (r.name ? " " + r.name : "")]),
      facts,
      el("h4", {}, [t("occupants")]),
      occupants,
      el("h4", {}, [t("room_findings")]),
      ...findingsBlock(r.findings),
      el("h4", {}, [t("history")]),
      history,
      el("h4", {}, [t("survey_versions")]),
      versions,
      el("p", {}, [el("a", { href: cfg.room_page_url + r.id }, [t("room_details")])])
    );
    card.dataset.roomId = String(r.id);
  }

  document.querySelectorAll('input[name="colour-by"]').forEach((input) => {
    input.addEventListener("change", () => {
      scheme = input.value;
      rooms.setStyle(styleFor);
      if (selectedLayer) selectedLayer.setStyle({ weight: 3, color: "#c0392b" });
      document.querySelectorAll("[data-legend]").forEach((legend) => {
        legend.hidden = legend.dataset.legend !== scheme;
      });
    });
  });

  statusLine.textContent = t("loading");
  fetchJSON(cfg.rooms_url)
    .then((fc) => {
      colours = fc.colours;
      unknownColour = fc.unknown_colour;
      rooms.addData(fc);
      if (fc.numberReturned) map.fitBounds(rooms.getBounds(), { padding: [16, 16], animate: false });
      rooms.addTo(map);
      fillList(fc.features);
      const total = fc.features.reduce((sum, f) => sum + f.properties.usable_area_m2, 0);
      statusLine.textContent = t("floor_summary", { count: fc.numberReturned, area: area(total) });
      collectLabels();
      fitLabels();
      map.on("zoomend", fitLabels);
      if (cfg.room_id) {
        rooms.eachLayer((layer) => {
          if (layer.feature.id === cfg.room_id) select(layer, cfg.room_id);
        });
      }
      performance.mark("rooms-drawn");
      document.body.dataset.roomsLoaded = String(fc.numberReturned);
      // the next task after the next frame: the rooms and the list are on screen
      requestAnimationFrame(() => setTimeout(() => performance.mark("rooms-painted"), 0));
    })
    .catch((err) => {
      statusLine.textContent = err.message;
    });
})();
