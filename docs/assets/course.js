/* The course's own script, on every page: small on purpose (the builder's script loads only where it is used). */
(function () {
  "use strict";

  // A pasted error message is full of characters the search reads as query syntax:
  // "-" drops the word that follows, ":" names a field, "/" and "." split a word into
  // alternatives that must all match. Search for the words alone; the search box keeps
  // showing what the reader typed.
  var post = Worker.prototype.postMessage;
  var QUERY = 2; // Material's search worker message type for a query
  Worker.prototype.postMessage = function (message) {
    if (message && message.type === QUERY && typeof message.data === "string") {
      var args = Array.prototype.slice.call(arguments);
      args[0] = { type: QUERY, data: message.data.replace(/[^\p{L}\p{N}_.]+|\.(?!\d)/gu, " ") };
      return post.apply(this, args);
    }
    return post.apply(this, arguments);
  };

  // Names the theme leaves out, for screen readers: its search dialog, and the numbered
  // markers it adds to code annotations (links whose number is drawn by CSS). Markers
  // appear whenever the theme mounts a page, so new ones are labelled as they arrive.
  function label(root) {
    var search = document.querySelector(".md-search[role=dialog]:not([aria-label])");
    if (search) search.setAttribute("aria-label", "Search");
    Array.prototype.forEach.call(root.querySelectorAll("a.md-annotation__index:not([aria-label])"), function (marker) {
      var number = marker.querySelector("[data-md-annotation-id]");
      marker.setAttribute("aria-label", "Annotation " + (number ? number.getAttribute("data-md-annotation-id") : ""));
    });
  }
  new MutationObserver(function (changes) {
    for (var i = 0; i < changes.length; i++) {
      for (var j = 0; j < changes[i].addedNodes.length; j++) {
        if (changes[i].addedNodes[j].nodeType === 1) { label(document); return; }
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
  label(document);

  // The workflow builder's script and styles, loaded the first time its page is shown.
  function loadBuilder() {
    if (!document.querySelector("[data-ghcr-builder]") || document.querySelector("script[data-ghcr-builder-script]")) {
      return;
    }
    var base = typeof __md_scope !== "undefined" ? __md_scope : new URL(".", location.href);
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = new URL("assets/builder.css", base).href;
    document.head.appendChild(style);
    var script = document.createElement("script");
    script.src = new URL("assets/builder.js", base).href;
    script.setAttribute("data-ghcr-builder-script", "");
    document.body.appendChild(script);
  }

  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(loadBuilder);
  } else {
    document.addEventListener("DOMContentLoaded", loadBuilder);
  }
})();
