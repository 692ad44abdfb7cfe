// Polls a background job (<div class="job-progress" data-job-url=…>) and moves its progress bar; reloads the
// page when the job ends so the server renders the outcome. Without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var box = document.querySelector(".job-progress");
  if (!box || box.dataset.done === "true") { return; }
  var bar = box.querySelector(".job-bar");
  var percent = box.querySelector(".job-percent");
  var status = box.querySelector(".job-status");
  var message = box.querySelector(".job-message");
  function poll() {
    fetch(box.dataset.jobUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        // signed out (redirected to the sign-in page) or no longer allowed: let the server render why
        if (response.redirected || (response.status >= 400 && response.status < 500)) {
          window.location.reload();
          return null;
        }
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (job) {
        if (job === null) { return; }
        bar.value = job.progress;
        bar.textContent = job.progress + "%";
        percent.textContent = job.progress;
        status.textContent = job.status_label;
        if (job.message) { message.textContent = job.message; }
        if (job.done) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
