// Parses and renders window.CARD (loaded from the path in ?card=) with adaptivecards, the
// renderer Microsoft publishes, and markdown-it for TextBlock Markdown as Teams does.
(function () {
  "use strict";
  var result = { errors: [], warnings: [], rendered: false, links: [], text: "" };

  function finish() {
    document.getElementById("result").textContent = JSON.stringify(result);
  }

  function run() {
    try {
      var AC = window.AdaptiveCards;
      var md = window.markdownit();
      AC.AdaptiveCard.onProcessMarkdown = function (text, out) {
        out.outputHtml = md.render(text);
        out.didProcess = true;
      };
      var card = new AC.AdaptiveCard();
      var context = new AC.SerializationContext();
      card.parse(window.CARD, context);
      for (var i = 0; i < context.eventCount; i++) {
        var e = context.getEventAt(i);
        result.errors.push({ event: e.event, message: e.message });
      }
      var validation = card.validateProperties();
      validation.validationEvents.forEach(function (e) {
        result.warnings.push({ event: e.event, message: e.message });
      });
      var element = card.render();
      if (element) {
        document.getElementById("card").appendChild(element);
        result.rendered = true;
        result.text = element.innerText;
        element.querySelectorAll("a").forEach(function (a) {
          result.links.push(a.getAttribute("href"));
        });
      }
    } catch (err) {
      result.errors.push({ event: "exception", message: String(err) });
    }
    finish();
  }

  var path = new URLSearchParams(window.location.search).get("card");
  if (!path) {
    result.errors.push({ event: "setup", message: "no ?card= given" });
    finish();
    return;
  }
  var script = document.createElement("script");
  script.src = "file://" + path;
  script.onload = run;
  script.onerror = function () {
    result.errors.push({ event: "setup", message: "cannot load " + path });
    finish();
  };
  document.body.appendChild(script);
})();
