// LTI client-side OIDC login with platform storage (1EdTech "lti-cs-oidc"
// and "lti-pm-s"): when the browser keeps no cookie for ASTRE inside the
// course frame, the login binding is kept by the platform through
// postMessage. The server stays authoritative: this only carries a value.
(function () {
  "use strict";
  var el = document.getElementById("lti-storage");
  if (!el) { return; }
  var d = el.dataset;
  var put = d.mode === "put";
  var subjects = put ? ["lti.put_data", "org.imsglobal.lti.put_data"] : ["lti.get_data", "org.imsglobal.lti.get_data"];
  var attempt = -1, messageId = "", timer = null, done = false;

  function targetFrame() {
    var parent = window.parent;
    if (!d.target || d.target === "_parent") { return parent; }
    try { return parent.frames[d.target] || parent; } catch (e) { return parent; }
  }

  function finish(value) {
    if (done) { return; }
    done = true;
    clearTimeout(timer);
    if (put) { window.location.replace(d.next); return; }
    var form = document.getElementById("lti-storage-form");
    form.elements.binding.value = value || "";
    form.submit();
  }

  function next() {
    attempt += 1;
    if (attempt >= subjects.length || window.parent === window) { finish(""); return; }
    messageId = "astre-" + attempt + "-" + Math.random().toString(36).slice(2);
    var msg = { subject: subjects[attempt], message_id: messageId, key: d.key };
    if (put) { msg.value = d.value; }
    clearTimeout(timer);
    timer = setTimeout(next, 1500);
    targetFrame().postMessage(msg, d.origin);
  }

  window.addEventListener("message", function (ev) {
    if (ev.origin !== d.origin || !ev.data || typeof ev.data !== "object") { return; }
    var m = ev.data;
    if (m.message_id !== messageId || m.subject !== subjects[attempt] + ".response") { return; }
    if (m.error) { next(); return; }
    finish(put ? "" : m.value);
  });
  next();
}());
