// The municipality picker (templates/staff/_municipalities.html): a filter by name or code that
// opens the regions with a match and hides the rest, and the line of chosen municipalities kept
// up to date. Without JavaScript the filter stays hidden and the checkboxes work as they are.
"use strict";
document.querySelectorAll("[data-picker]").forEach(function (picker) {
  var filter = picker.querySelector("[data-picker-filter]");
  var empty = picker.querySelector("[data-picker-empty]");
  var chosen = picker.querySelector("[data-picker-chosen] span");
  var none = picker.querySelector("[data-picker-chosen]").dataset.none;
  var groups = Array.prototype.slice.call(picker.querySelectorAll("details"));
  var opened = groups.map(function (group) { return group.open; });
  filter.parentNode.hidden = false;

  function plain(text) {
    return text.toLocaleLowerCase("da").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  filter.addEventListener("input", function () {
    var wanted = plain(filter.value.trim());
    var any = false;
    groups.forEach(function (group, index) {
      var matches = 0;
      group.querySelectorAll("li").forEach(function (item) {
        var shown = !wanted || plain(item.textContent).indexOf(wanted) !== -1;
        item.hidden = !shown;
        if (shown) matches += 1;
      });
      group.hidden = matches === 0;
      group.open = wanted ? matches > 0 : opened[index];
      any = any || matches > 0;
    });
    empty.hidden = any;
    empty.textContent = any ? "" : empty.dataset.template.replace("%(text)s", filter.value.trim());
  });

  picker.addEventListener("change", function () {
    var names = [];
    picker.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      names.push(box.parentNode.textContent.trim());
    });
    chosen.textContent = names.length ? names.join(", ") : none;
    groups.forEach(function (group) {
      var count = group.querySelectorAll("input:checked").length;
      var label = group.querySelector("summary [data-count]");
      if (label) label.textContent = label.dataset.template.replace("%(num)s", count);
    });
  });
});
