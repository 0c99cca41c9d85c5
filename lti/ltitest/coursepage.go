package ltitest

import "html/template"

// courseTemplate is the course page: a Moodle-like course with one
// activity. The buttons submit a GET form into the activity frame, so a
// launch starts without JavaScript (the launch pages then offer a
// Continue button inside <noscript>).
var courseTemplate = template.Must(template.New("course").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Demo LMS</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f4f4f4; }
header { background: #23395d; color: #fff; padding: .75rem 1.5rem; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem; }
.launch button { font: inherit; margin: .25rem .5rem .25rem 0; padding: .5rem 1rem; border: 2px solid #23395d; border-radius: 4px; background: #fff; color: #23395d; cursor: pointer; }
.launch button:hover, .launch button:focus { background: #23395d; color: #fff; outline: 3px solid #f7b500; }
iframe.activity { width: 100%; height: 44rem; border: 1px solid #888; background: #fff; }
.note { color: #444; }
</style>
</head>
<body>
<header><p><strong>Demo LMS</strong>: a stand-in for Moodle, for trying the tool without an LMS</p></header>
<main>
<h1>{{.Title}}</h1>
<p class="note">The activity below runs in an iframe from another site than this page, as an LTI 1.3 tool does in a real course.{{if .PlatformStorage}} This platform offers postMessage storage, so launches work even when the browser blocks the tool's cookies.{{end}}</p>
<h2>{{.Activity}}</h2>
<form class="launch" method="get" action="{{.LaunchURL}}" target="{{.ActivityName}}">
<input type="hidden" name="id" value="1">
{{range .Users}}<button type="submit" name="as" value="{{.Key}}">{{.Label}}</button>
{{end}}</form>
{{if .DeepLinkingAs}}<form class="launch" method="get" action="{{.LaunchURL}}" target="{{.ActivityName}}">
<input type="hidden" name="id" value="1"><input type="hidden" name="as" value="{{.DeepLinkingAs}}"><input type="hidden" name="dl" value="1">
<button type="submit">Add content with deep linking (as {{.DeepLinkingAs}})</button>
</form>
{{end}}
{{if .Contents}}<h2>Content added by deep linking</h2>
<ul>{{range .Contents}}<li>{{.}}</li>{{end}}</ul>
{{end}}<iframe class="activity" name="{{.ActivityName}}" title="{{.Activity}}" src="about:blank"></iframe>
{{if .PlatformStorage}}<iframe name="{{.StorageName}}" src="{{.StorageURL}}" title="Platform storage" hidden></iframe>
{{end}}</main>
</body>
</html>
`))

// storageTemplate is the platform storage frame (LTI Client Side
// postMessages: lti.put_data, lti.get_data and lti.capabilities, with
// their .response answers). It answers only the tool's origin and keeps
// each value under the sender's origin and the key.
var storageTemplate = template.Must(template.New("storage").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Platform storage</title></head>
<body>
<script>
(function () {
  "use strict";
  var toolOrigin = "{{.ToolOrigin}}";
  var values = {};
  var prefix = "org.imsglobal.";
  window.addEventListener("message", function (ev) {
    var m = ev.data;
    if (ev.origin !== toolOrigin || !m || typeof m !== "object" || typeof m.subject !== "string") { return; }
    var subject = m.subject.indexOf(prefix) === 0 ? m.subject.slice(prefix.length) : m.subject;
    var answer = { subject: m.subject + ".response", message_id: m.message_id };
    var slot = ev.origin + " " + m.key;
    switch (subject) {
    case "lti.capabilities":
      answer.supported_messages = [
        { subject: "lti.put_data", frame: "{{.StorageName}}" },
        { subject: "lti.get_data", frame: "{{.StorageName}}" }
      ];
      break;
    case "lti.put_data":
      if (typeof m.key !== "string" || m.key === "") {
        answer.error = { code: "bad_request", message: "key is required" };
        break;
      }
      values[slot] = String(m.value);
      answer.key = m.key;
      answer.value = values[slot];
      break;
    case "lti.get_data":
      if (!Object.prototype.hasOwnProperty.call(values, slot)) {
        answer.error = { code: "bad_request", message: "no value for this key" };
        break;
      }
      answer.key = m.key;
      answer.value = values[slot];
      break;
    default:
      return;
    }
    ev.source.postMessage(answer, ev.origin);
  });
}());
</script>
</body>
</html>
`))
