// The question form: shows the option rows or the 对/错 answer according to the kind, and lets a single-choice
// question have one ticked answer. Without JavaScript every part stays visible and the server checks the rules.
(function () {
  "use strict";
  function setup(form) {
    var kinds = form.querySelectorAll("input.js-kind");
    var choice = form.querySelector(".js-choice-block");
    var tf = form.querySelector(".js-tf-block");
    function kind() {
      var checked = form.querySelector("input.js-kind:checked");
      return checked ? checked.value : "single";
    }
    function refresh() {
      var k = kind();
      if (choice) { choice.hidden = k === "true_false"; }
      if (tf) { tf.hidden = k !== "true_false"; }
    }
    kinds.forEach(function (input) { input.addEventListener("change", refresh); });
    form.querySelectorAll("input.js-answer").forEach(function (box) {
      box.addEventListener("change", function () {
        if (box.checked && kind() === "single") {
          form.querySelectorAll("input.js-answer").forEach(function (other) {
            if (other !== box) { other.checked = false; }
          });
        }
      });
    });
    refresh();
  }
  function start() { document.querySelectorAll("form.question-form").forEach(setup); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
