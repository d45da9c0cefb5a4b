/* Helpers shared by the page scripts. User text (labels from drawings, names from rosters)
   is only ever put into the page as text nodes, never as HTML. */
(() => {
  "use strict";
  const i18n = JSON.parse(document.getElementById("i18n").textContent);

  function t(key, params) {
    let text = i18n.messages[key] || key;
    Object.entries(params || {}).forEach(([name, value]) => {
      text = text.replace("{" + name + "}", String(value));
    });
    return text;
  }

  function vocab(value) {
    return value ? i18n.vocab[value] || value : t("unknown");
  }

  /* el("a", {href: url, className: "x"}, ["text", childNode]) */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => {
      if (value !== null && value !== undefined) node[name] = value;
    });
    (children || []).forEach((child) => {
      if (child === null || child === undefined) return;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function config() {
    return JSON.parse(document.getElementById("page-config").textContent);
  }

  function fetchJSON(url, options) {
    return fetch(url, Object.assign({ credentials: "same-origin" }, options)).then((r) => {
      if (!r.ok) throw new Error(t("load_failed") + " (" + r.status + ")");
      return r.json();
    });
  }

  function area(value) {
    return Number(value).toFixed(2);
  }

  window.GisApp = { t, vocab, el, config, fetchJSON, area };
})();
