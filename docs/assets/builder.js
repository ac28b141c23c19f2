/* The workflow builder (docs/builder.md).
 *
 * It never writes YAML: it picks one of the variants checked when the site was
 * built (builder/variants.json, made by macros/builder.py) and replaces the
 * placeholder image name only at the places the build proved safe, and only with
 * a name that matches the grammar the index carries. No innerHTML anywhere: all
 * text goes in through textContent.
 */
(function () {
  "use strict";

  var indexes = {}; // index URL -> Promise of the parsed index
  var texts = {}; // raw file URL -> Promise of its text
  var PAGE_CONTROLS = ["refs", "image"];

  function fetchText(url) {
    if (!texts[url]) {
      texts[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error(url + ": HTTP " + response.status);
        return response.text();
      });
      texts[url].catch(function () { delete texts[url]; });
    }
    return texts[url];
  }

  function fetchIndex(url) {
    if (!indexes[url]) {
      indexes[url] = fetchText(url).then(JSON.parse);
      indexes[url].catch(function () { delete indexes[url]; });
    }
    return indexes[url];
  }

  /* -- the image name ---------------------------------------------------- */

  // Why a name cannot go into the workflow, or "" when it can.
  function refusal(name, index) {
    var grammar = index.grammar;
    var prefix = grammar.registry + "/";
    var component = new RegExp("^(?:" + grammar.component + ")$");
    if (!name) return "Type an image name, such as " + index.placeholder.image + ".";
    if (/\s/.test(name)) return "Remove the spaces: an image name has none.";
    if (name.indexOf("://") !== -1) return "Leave out the scheme: write " + prefix + "OWNER/NAME.";
    if (name.toLowerCase().indexOf(prefix) !== 0) {
      return "Start with " + prefix + ": this workflow publishes to GitHub's registry, as " + prefix + "OWNER/NAME.";
    }
    var path = name.slice(prefix.length);
    if (path.indexOf("@") !== -1) return "Leave out the digest (@sha256:…): the workflow pushes by tag.";
    if (path.indexOf(":") !== -1) return "Leave out the tag (" + path.slice(path.indexOf(":")) + "): the workflow sets the tags.";
    var parts = path.split("/");
    if (parts.some(function (part) { return part === ""; })) return "Remove the empty part: a name has no doubled or trailing /.";
    if (parts.length < 2) return "Add the owner: " + prefix + "OWNER/" + (parts[0] || "NAME") + ".";
    for (var i = 0; i < parts.length; i++) {
      if (component.test(parts[i])) continue;
      if (component.test(parts[i].toLowerCase())) {
        return "Use lowercase: ghcr.io refuses capitals (“repository name must be lowercase”). Try " + name.toLowerCase() + ".";
      }
      return "“" + parts[i] + "” is not allowed: use lowercase letters and digits, with single . _ or - between them.";
    }
    if (name.length > grammar.max_length) return "Shorten the name: at most " + grammar.max_length + " characters.";
    if (name !== name.toLowerCase()) return "Use lowercase: try " + name.toLowerCase() + ".";
    return "";
  }

  // The text with the placeholder replaced at the proven places only.
  function substitute(text, places, marks, image) {
    var lines = text.split("\n");
    var name = image.slice(image.lastIndexOf("/") + 1);
    var ordered = places.slice().sort(function (a, b) { return b[0] - a[0] || b[1] - a[1]; });
    ordered.forEach(function (place) {
      var row = lines[place[0] - 1];
      var mark = marks[place[2]];
      var start = place[1] - 1;
      if (row === undefined || row.substr(start, mark.length) !== mark) {
        throw new Error("the index does not match the workflow at line " + place[0]);
      }
      lines[place[0] - 1] = row.slice(0, start) + (place[2] === "image" ? image : name) + row.slice(start + mark.length);
    });
    return lines.join("\n");
  }

  /* -- the form and the URL ------------------------------------------------- */

  function controls(form, name) {
    return Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
  }

  function readValue(form, name) {
    var els = controls(form, name);
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.type === "checkbox") return el.checked ? el.value : (el.getAttribute("data-off") || "");
      if (el.type === "radio") { if (el.checked) return el.value; continue; }
      return el.value;
    }
    return null;
  }

  // Sets a control; false when the value is not one it offers.
  function writeValue(form, name, value) {
    var els = controls(form, name);
    var done = false;
    els.forEach(function (el) {
      if (el.type === "checkbox") {
        if (value === el.value || value === (el.getAttribute("data-off") || "")) { el.checked = value === el.value; done = true; }
      } else if (el.type === "radio") {
        if (el.value === value) { el.checked = true; done = true; }
      } else if (el.tagName === "SELECT") {
        if (Array.prototype.some.call(el.options, function (o) { return o.value === value; })) { el.value = value; done = true; }
      } else {
        el.value = value; done = true;
      }
    });
    return done;
  }

  function stateOf(form, index) {
    var state = {};
    index.options.concat(PAGE_CONTROLS.map(function (n) { return { name: n }; })).forEach(function (option) {
      state[option.name] = readValue(form, option.name);
    });
    state.image = state.image.trim();
    return state;
  }

  function variantKey(state, index) {
    var segments = [];
    index.options.forEach(function (option) {
      var parts = segments[option.segment] || (segments[option.segment] = []);
      if (state[option.name]) parts.push(state[option.name]);
    });
    return segments.map(function (parts) { return parts.join("+"); }).join("__");
  }

  function permalink(state, index) {
    var url = new URL(location.href);
    url.search = "";
    url.hash = "";
    index.options.forEach(function (option) { url.searchParams.set(option.name, state[option.name]); });
    url.searchParams.set("refs", state.refs);
    if (state.image !== index.placeholder.image) url.searchParams.set("image", state.image);
    return url.toString();
  }

  // Choices from the URL; returns what it could not use.
  function applyQuery(form, index) {
    var params = new URLSearchParams(location.search);
    var unknown = [];
    index.options.concat(PAGE_CONTROLS.map(function (n) { return { name: n }; })).forEach(function (option) {
      if (!params.has(option.name)) return;
      var value = params.get(option.name);
      if (option.values && option.values.indexOf(value) === -1) { unknown.push(option.name + "=" + value); return; }
      if (!writeValue(form, option.name, value)) unknown.push(option.name + "=" + value);
    });
    return unknown;
  }

  /* -- the builder on one page --------------------------------------------- */

  function Builder(root) {
    this.root = root;
    this.form = root.querySelector("[data-builder-form]");
    this.code = root.querySelector("[data-builder-code]");
    this.message = root.querySelector("[data-builder-message]");
    this.status = root.querySelector("[data-builder-status]");
    this.download = root.querySelector("[data-builder-download]");
    this.raw = root.querySelector("[data-builder-raw]");
    this.preview = root.querySelector("[data-builder-preview]");
    this.image = controls(this.form, "image")[0];
    this.indexUrl = new URL(root.getAttribute("data-variants"), location.href).toString();
    this.generation = 0;
    this.text = "";
    this.blobUrl = null;
  }

  Builder.prototype.say = function (text) { this.status.textContent = text; };

  Builder.prototype.start = function () {
    var self = this;
    self.root.setAttribute("data-builder-state", "loading");
    return fetchIndex(self.indexUrl).then(function (index) {
      self.index = index;
      var unknown = applyQuery(self.form, index);
      self.form.addEventListener("change", function () { self.update(true); });
      self.form.addEventListener("input", function () { self.update(true); });
      self.form.addEventListener("submit", function (event) { event.preventDefault(); });
      // Enter picks an option as Space does (a browser only gives Space to checkboxes and radios).
      self.form.addEventListener("keydown", function (event) {
        var el = event.target;
        if (event.key === "Enter" && (el.type === "checkbox" || el.type === "radio")) {
          event.preventDefault();
          if (el.type === "checkbox" || !el.checked) el.click();
        }
      });
      self.root.querySelector("[data-builder-copy]").addEventListener("click", function () { self.copy(self.text, "Workflow copied."); });
      self.root.querySelector("[data-builder-permalink]").addEventListener("click", function () {
        self.copy(permalink(stateOf(self.form, index), index), "Link copied: it opens the builder with these choices.");
      });
      Array.prototype.forEach.call(self.root.querySelectorAll("[data-builder-file]"), function (el) { el.textContent = index.file; });
      self.download.setAttribute("download", index.file);
      return self.update(false).then(function () {
        if (unknown.length) self.say("The link had choices this builder does not offer (" + unknown.join(", ") + "); the defaults stand for them.");
      });
    }).catch(function (error) {
      self.root.setAttribute("data-builder-state", "error");
      self.say("The checked workflows could not be loaded: " + error.message);
      throw error;
    });
  };

  Builder.prototype.update = function (remember) {
    var self = this;
    var index = self.index;
    var state = stateOf(self.form, index);
    var key = variantKey(state, index);
    var entry = index.variants[key];
    var generation = ++self.generation;
    if (remember) history.replaceState(history.state, "", permalink(state, index));
    if (!entry) {
      self.say("No checked workflow matches these choices (" + key + ").");
      return Promise.resolve();
    }
    var why = refusal(state.image, index);
    self.message.textContent = why ? "Not used: " + why + " The workflow keeps " + index.placeholder.image + "." : "";
    if (why) self.image.setAttribute("aria-invalid", "true"); else self.image.removeAttribute("aria-invalid");
    var rawUrl = new URL(entry[state.refs] || entry.tags, self.indexUrl).toString();
    self.root.setAttribute("data-builder-state", "loading");
    var previewUrl = entry.preview ? new URL(entry.preview, self.indexUrl).toString() : null;
    var rows = previewUrl ? fetchText(previewUrl).then(JSON.parse) : Promise.resolve(null);
    return Promise.all([fetchText(rawUrl), rows]).then(function (loaded) {
      if (generation !== self.generation) return;
      var checked = loaded[0];
      var text = why || state.image === index.placeholder.image ? checked
        : substitute(checked, entry.places, index.placeholder, state.image);
      self.show(text, key, rawUrl, loaded[1], why ? index.placeholder.image : state.image);
    }).catch(function (error) {
      if (generation !== self.generation) return;
      self.root.setAttribute("data-builder-state", "error");
      self.say("This workflow could not be loaded: " + error.message);
    });
  };

  Builder.prototype.show = function (text, key, rawUrl, preview, image) {
    this.text = text;
    this.code.textContent = text;
    this.code.tabIndex = 0; // scrollable: reachable by keyboard (the theme drops it when a block starts short)
    this.raw.href = rawUrl;
    if (this.blobUrl) URL.revokeObjectURL(this.blobUrl);
    this.blobUrl = URL.createObjectURL(new Blob([text], { type: "application/yaml" }));
    this.download.href = this.blobUrl;
    this.root.setAttribute("data-builder-key", key);
    this.root.setAttribute("data-builder-raw-url", rawUrl);
    this.root.setAttribute("data-builder-state", "ready");
    this.showPreview(preview, image);
  };

  // The tag preview (ghcr_check/preview/, per variant): [{event, push, refs, why, notes}].
  Builder.prototype.showPreview = function (rows, image) {
    var box = this.preview;
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!rows || !rows.length) { box.hidden = true; return; }
    var marks = this.index.placeholder;
    var name = image.slice(image.lastIndexOf("/") + 1);
    var rename = function (ref) {
      if (ref.indexOf(marks.image) === 0) return image + ref.slice(marks.image.length);
      var at = ref.lastIndexOf("/" + marks.name + ":");
      return at === -1 ? ref : ref.slice(0, at + 1) + name + ref.slice(at + 1 + marks.name.length);
    };
    var table = document.createElement("table");
    var caption = table.createCaption();
    caption.textContent = "What each event pushes (computed when the site was built, for a sample commit)";
    var head = table.createTHead().insertRow();
    ["Event", "Image references"].forEach(function (title) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = title;
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      tr.insertCell().textContent = row.event;
      var cell = tr.insertCell();
      var refs = row.push && row.refs && row.refs.length ? row.refs : [];
      if (!refs.length) cell.textContent = row.why || "nothing is pushed";
      refs.forEach(function (ref, i) {
        if (i) cell.appendChild(document.createElement("br"));
        var code = document.createElement("code");
        code.textContent = rename(ref);
        cell.appendChild(code);
      });
      (row.notes || []).forEach(function (note) {
        var small = document.createElement("small");
        small.textContent = note;
        cell.appendChild(document.createElement("br"));
        cell.appendChild(small);
      });
    });
    box.appendChild(table);
    box.hidden = false;
  };

  Builder.prototype.copy = function (text, done) {
    var self = this;
    var fallback = function () {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      self.say(ok ? done : "Copying failed: select the text and copy it yourself.");
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { self.say(done); }, fallback);
    } else {
      fallback();
    }
  };

  function mount() {
    var root = document.querySelector("[data-ghcr-builder]");
    if (!root || root.hasAttribute("data-builder-mounted")) return;
    root.setAttribute("data-builder-mounted", "");
    new Builder(root).start().catch(function (error) { console.error("workflow builder:", error); });
  }

  // Material's instant navigation swaps pages without loading them: follow its document$.
  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(mount);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
