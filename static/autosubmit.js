// Posts a form marked data-autosubmit as soon as the page loads: the
// deep linking response goes back to the platform without a click. The
// form's own button does the same without JavaScript.
"use strict";
(function () {
  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.submit();
  }
})();
