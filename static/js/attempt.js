// The exam page: a countdown that follows the server's deadline, and each answer saved as it is chosen.
// Without this script the page still works: every button is a form POST that saves the answer shown.
// It knows nothing of the key: options are posted as the indices shown on the page.
(function () {
  "use strict";

  var clockEl = document.getElementById("countdown");
  var offset = 0;
  var deadline = NaN;
  var reloading = false;

  function sync(serverNow, serverDeadline) {
    var server = Date.parse(serverNow);
    if (!isNaN(server)) { offset = server - Date.now(); }
    var d = Date.parse(serverDeadline);
    if (!isNaN(d)) { deadline = d; }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var left = Math.ceil((deadline - (Date.now() + offset)) / 1000);
    if (left <= 0) {
      clockEl.textContent = "时间到，正在交卷…";
      clockEl.classList.add("is-low");
      if (!reloading) {
        reloading = true;
        // the server finalizes the attempt on the next request touching it
        window.setTimeout(function () { window.location.reload(); }, 1000);
      }
      return;
    }
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    clockEl.textContent = "剩余 " + (h > 0 ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
    clockEl.classList.toggle("is-low", left <= 300);
  }

  if (clockEl) {
    sync(clockEl.dataset.now, clockEl.dataset.deadline);
    if (!isNaN(deadline)) {
      tick();
      window.setInterval(tick, 1000);
    }
  }

  var form = document.getElementById("attempt-form");
  if (!form || !window.fetch) { return; }
  var statusEl = document.getElementById("save-status");
  var countEl = document.getElementById("answered-count");
  var tokenInput = form.querySelector("input[name=csrf_token]");
  var position = form.querySelector("input[name=position]").value;
  var busy = false;
  var dirty = false;

  function show(text, ok) {
    statusEl.textContent = text;
    statusEl.className = "save-status small " + (ok ? "text-success" : "text-danger");
  }

  function chosen() {
    var values = [];
    form.querySelectorAll("input.js-choice:checked").forEach(function (input) { values.push(input.value); });
    return values;
  }

  function markPalette(answered) {
    var button = document.querySelector("#palette [data-position='" + position + "']");
    if (!button) { return; }
    button.classList.toggle("btn-primary", answered);
    button.classList.toggle("btn-outline-secondary", !answered);
    button.setAttribute("aria-label", "第 " + position + " 题，" + (answered ? "已答" : "未答"));
  }

  function save() {
    if (busy) { dirty = true; return; }
    busy = true;
    dirty = false;
    var choice = chosen();
    show("正在保存…", true);
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (tokenInput) { headers["X-CSRFToken"] = tokenInput.value; }
    fetch(form.dataset.saveUrl, {
      method: "POST", credentials: "same-origin", headers: headers,
      body: JSON.stringify({ position: position, choice: choice })
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        return { status: response.status, redirected: response.redirected, body: body };
      });
    }).then(function (result) {
      var body = result.body || {};
      if (body.saved) {
        sync(body.now, body.deadline);
        if (countEl) { countEl.textContent = body.answered; }
        markPalette(choice.length > 0);
        show("已保存", true);
        return;
      }
      var message;
      if (body.error && body.error.message) {
        message = body.error.message;
      } else if (result.redirected) {
        message = "登录已失效，请刷新页面重新登录（已保存的答案不会丢失）";
      } else if (result.status === 400) {
        message = "页面已过期，请刷新页面后重新选择本题答案";
      } else {
        message = "服务器暂时无法保存（" + result.status + "），请稍后重新选择本题答案";
      }
      show("保存失败：" + message, false);
      if (body.redirect) { window.setTimeout(function () { window.location.href = body.redirect; }, 2500); }
    }).catch(function () {
      show("保存失败：网络连接中断，恢复后请重新选择本题答案", false);
    }).then(function () {
      busy = false;
      if (dirty) { save(); }
    });
  }

  form.querySelectorAll("input.js-choice").forEach(function (input) {
    input.addEventListener("change", save);
  });
})();
