/* Copy buttons for feed addresses (progressive enhancement: without JavaScript the buttons
   stay hidden and the addresses can be selected and copied by hand). */
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  var status = document.getElementById("copy-status");
  var buttons = document.querySelectorAll("button[data-copy]");
  buttons.forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) {
          status.textContent = (status.getAttribute("data-copied") || "Copied") + ": " + field.value;
        }
      }, function () {
        field.select();
      });
    });
  });
})();
