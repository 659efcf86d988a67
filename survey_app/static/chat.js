/* Progressive enhancement of the chat form: answer without a page load.
   The page works fully without this script; with it, the same forms are
   posted with fetch and the server's new conversation is swapped in. */
(function () {
  "use strict";

  function replaceConversation(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var next = holder.querySelector("#conversation");
    var current = document.getElementById("conversation");
    if (!next || !current) { return false; }
    current.replaceWith(next);
    document.title = next.getAttribute("data-title") || document.title;
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
      if (!replaceConversation(html)) { throw new Error("fallback"); }
    }).catch(function () {
      /* Anything unexpected: let the browser post the form itself, so the
         participant sees the server's own page (e.g. an error explained). */
      buttons.forEach(function (b) { b.disabled = false; });
      submitWithoutScript(form, submitter);
    });
  });
})();
