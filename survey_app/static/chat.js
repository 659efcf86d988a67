/* Progressive enhancement of the chat form: answer without a page load.
   The page works fully without this script. With it, the same form is
   posted with fetch; the server answers with the turn just given, the new
   progress and the next question, which are put in place here. */
(function () {
  "use strict";

  function applyUpdate(html) {
    var update = document.createElement("div");
    update.innerHTML = html;
    var root = update.firstElementChild;
    var conversation = document.getElementById("conversation");
    if (!root || !conversation) { return false; }
    var finished = root.querySelector("#conversation");
    if (finished) {
      conversation.replaceWith(finished);
    } else {
      var log = document.getElementById("log");
      var parts = [root.querySelector("#progress"), root.querySelector("#ask")];
      if (!log || !parts[0] || !parts[1]) { return false; }
      root.querySelectorAll("li.turn").forEach(function (turn) {
        var existing = document.getElementById(turn.id);
        if (existing) { existing.replaceWith(turn); } else { log.appendChild(turn); }
      });
      parts.forEach(function (part) { document.getElementById(part.id).replaceWith(part); });
    }
    document.title = root.getAttribute("data-title") || document.title;
    /* After the first answer, posted to the link itself, the address becomes the
       chat's: the link's token leaves the address bar, and reloading shows the chat. */
    var url = root.getAttribute("data-url");
    if (url && window.history && window.location.pathname !== url) {
      window.history.replaceState(null, "", url);
    }
    var question = document.getElementById("current");
    if (question) {
      question.focus({ preventScroll: true });
      question.scrollIntoView({ block: "center", behavior: "smooth" });
    }
    return true;
  }

  function submitWithoutScript(form, submitter) {
    if (submitter && submitter.name) {
      var carried = document.createElement("input");
      carried.type = "hidden";
      carried.name = submitter.name;
      carried.value = submitter.value;
      form.appendChild(carried);
    }
    form.submit();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-chat-form") || !window.fetch) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok || response.headers.get("X-Chat-Turn") !== "1") { throw new Error("fallback"); }
      return response.text();
    }).then(function (html) {
      if (!applyUpdate(html)) { throw new Error("fallback"); }
    }).catch(function () {
      /* Anything unexpected: let the browser post the form itself, so the
         participant sees the server's own page (an error explained, or the
         page as it now is). */
      buttons.forEach(function (b) { b.disabled = false; });
      submitWithoutScript(form, submitter);
    });
  });
})();
