// The export page's "Select all" box, bound here instead of an inline onchange (the site's CSP runs no inline code).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input.select-toggle").forEach(function (box) {
    box.addEventListener("change", function (event) {
      onSelectToggleChange(event); // django-import-export's export_selectable_fields.js
    });
  });
});
