// Compare view: hovering one side of an aligned pair lights up both sides.
// Loaded from /static only (the Content-Security-Policy forbids inline script).
"use strict";
(function () {
  function pairClass(el) {
    for (const name of el.classList) {
      if (name.startsWith("pair-")) return name;
    }
    return null;
  }
  function toggle(event, on) {
    const mark = event.target.closest ? event.target.closest(".k-pair") : null;
    if (!mark) return;
    const name = pairClass(mark);
    if (!name) return;
    for (const el of document.getElementsByClassName(name)) {
      el.classList.toggle("hot", on);
    }
  }
  document.addEventListener("mouseover", (e) => toggle(e, true));
  document.addEventListener("mouseout", (e) => toggle(e, false));
})();

// Article page: a link to a reused passage lands on its first piece; outline every piece.
(function () {
  function light() {
    for (const el of document.querySelectorAll(".m.lit")) el.classList.remove("lit");
    const id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    const group = document.getElementsByClassName("g-" + id);
    for (const el of group) el.classList.add("lit");
  }
  window.addEventListener("hashchange", light);
  document.addEventListener("DOMContentLoaded", light);
})();

// Lists: the facet panel starts open on a wide screen, folded on a phone.
(function () {
  function unfold() {
    if (!window.matchMedia("(min-width: 900px)").matches) return;
    for (const el of document.querySelectorAll("details[data-open-wide]")) el.open = true;
  }
  document.addEventListener("DOMContentLoaded", unfold);
})();
