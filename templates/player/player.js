/* microlearn player: format switch, transcript seeking, cards, and SCORM 1.2 completion.
 *
 * SCORM 1.2 (ADL, "Run-Time Environment", API discovery): the LMS puts an object named API on a
 * window that launched the content — a parent frame or the opener. We walk up the parents (at most
 * 500 hops, as ADL's sample code does), then the opener's parents. Without an LMS the page plays on
 * its own and reports nothing.
 * Completion: at least 90% of the video watched (played, not skipped over) or every card shown.
 */
(function () {
  "use strict";

  var WATCHED_ENOUGH = 0.9;
  var MAX_HOPS = 500;

  function findAPI(win) {
    for (var hops = 0; win && hops <= MAX_HOPS; hops++) {
      try {
        if (win.API) { return win.API; }
      } catch (e) {
        return null; /* a frame from another origin: the LMS is not up there */
      }
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  function discoverAPI() {
    var api = findAPI(window);
    if (!api) {
      try {
        if (window.opener) { api = findAPI(window.opener); }
      } catch (e) {
        api = null;
      }
    }
    return api;
  }

  /* The LMS session: initialize once, report completion once, commit and finish when the page goes. */
  var lms = {
    api: null,
    active: false,
    started: Date.now(),
    start: function () {
      this.api = discoverAPI();
      if (!this.api) { return; }
      this.active = String(this.api.LMSInitialize("")) === "true";
      if (!this.active) { return; }
      var status = String(this.api.LMSGetValue("cmi.core.lesson_status"));
      if (status === "" || status === "not attempted") {
        this.api.LMSSetValue("cmi.core.lesson_status", "incomplete");
        this.api.LMSCommit("");
      }
    },
    complete: function () {
      if (!this.active) { return; }
      this.api.LMSSetValue("cmi.core.lesson_status", "completed");
      this.api.LMSCommit("");
    },
    finish: function () {
      if (!this.active) { return; }
      this.active = false;
      this.api.LMSSetValue("cmi.core.session_time", timespan((Date.now() - this.started) / 1000));
      this.api.LMSCommit("");
      this.api.LMSFinish("");
    }
  };

  /* CMITimespan: HHHH:MM:SS.SS */
  function timespan(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    function pad(n, width) { n = String(n); while (n.length < width) { n = "0" + n; } return n; }
    return pad(h, 4) + ":" + pad(m, 2) + ":" + pad(s.toFixed(2), 5);
  }

  var completed = false;
  function markCompleted(reason) {
    if (completed) { return; }
    completed = true;
    document.body.setAttribute("data-completed", reason);
    var status = document.getElementById("status");
    if (status) { status.textContent = status.getAttribute("data-done"); }
    lms.complete();
  }

  /* Watched time from the browser's own record of what was played (video.played): seeking over a
   * stretch does not count as watching it. Both formats share one timeline, so what was played in
   * the other format counts too, once (a source change empties video.played, so it is kept here). */
  function trackWatching(video) {
    var earlier = [], current = [];
    function ranges() {
      var list = [];
      for (var i = 0; i < video.played.length; i++) { list.push([video.played.start(i), video.played.end(i)]); }
      return list;
    }
    function union(list) {
      list = list.slice().sort(function (a, b) { return a[0] - b[0]; });
      var total = 0, end = -Infinity;
      for (var i = 0; i < list.length; i++) {
        var from = Math.max(list[i][0], end);
        if (list[i][1] > from) { total += list[i][1] - from; }
        end = Math.max(end, list[i][1]);
      }
      return total;
    }
    function check() {
      current = ranges();
      if (isFinite(video.duration) && video.duration > 0 && union(earlier.concat(current)) / video.duration >= WATCHED_ENOUGH) {
        markCompleted("video");
      }
    }
    video.addEventListener("timeupdate", check);
    video.addEventListener("ended", check);
    video.addEventListener("emptied", function () { earlier = earlier.concat(current); current = []; });
  }

  function showCaptions(video) {
    for (var i = 0; i < video.textTracks.length; i++) {
      if (video.textTracks[i].kind === "captions") { video.textTracks[i].mode = "showing"; }
    }
  }

  /* An upright phone (a portrait screen no wider than a tablet) starts with the 9:16 video: a
   * landscape video there fills a third of the screen. The choice is made before anything plays,
   * and the buttons still switch either way. */
  var UPRIGHT = "(orientation: portrait) and (max-width: 820px)";

  function formatSwitch(video) {
    var sources = JSON.parse(video.getAttribute("data-sources") || "{}");
    var buttons = document.querySelectorAll(".formats button");
    var frame = video.parentNode;
    function choose(button) {
      var key = button.getAttribute("data-format"), chosen = sources[key];
      if (!chosen || button.getAttribute("aria-pressed") === "true") { return; }
      var at = video.currentTime, playing = !video.paused, rate = video.playbackRate;
      Array.prototype.forEach.call(buttons, function (other) { other.setAttribute("aria-pressed", String(other === button)); });
      frame.className = "frame " + key;
      video.setAttribute("poster", chosen.poster);
      video.querySelector("source").setAttribute("src", chosen.src);
      video.load();
      video.addEventListener("loadedmetadata", function resume() {
        video.removeEventListener("loadedmetadata", resume);
        if (at) { video.currentTime = at; }
        video.playbackRate = rate;
        showCaptions(video);
        if (playing) { video.play().catch(function () {}); }
      });
    }
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () { choose(button); });
    });
    var portrait = document.querySelector('.formats button[data-format="portrait"]');
    if (portrait && window.matchMedia && window.matchMedia(UPRIGHT).matches) { choose(portrait); }
  }

  function transcript(video) {
    Array.prototype.forEach.call(document.querySelectorAll("button.seek"), function (button) {
      button.addEventListener("click", function () {
        video.currentTime = parseFloat(button.getAttribute("data-start"));
        video.play().catch(function () {});
        video.focus();
      });
    });
  }

  /* Cards one at a time; a card counts as seen when it is shown while the cards are on screen, or when the reader moves on from it. */
  function cards() {
    var section = document.getElementById("cards");
    if (!section) { return; }
    var all = section.querySelectorAll("article.card");
    var previous = document.getElementById("previous-card"), next = document.getElementById("next-card");
    var current = 0, visible = false, seen = {}, count = 0;
    function mark(index) {
      if (seen[index]) { return; }
      seen[index] = true;
      count++;
      if (count === all.length) { markCompleted("cards"); }
    }
    function note() {
      if (visible) { mark(current); }
    }
    function show(index) {
      if (index < 0 || index >= all.length) { return; }
      /* moving on from a card with its buttons or arrow keys means it was in front of the reader,
         even when the visibility observer has not reported yet (it runs later, asynchronously) */
      mark(current);
      all[current].hidden = true;
      current = index;
      all[current].hidden = false;
      if (previous) { previous.disabled = current === 0; }
      if (next) { next.disabled = current === all.length - 1; }
      note();
    }
    if (previous) { previous.addEventListener("click", function () { show(current - 1); if (previous.disabled) { next.focus(); } }); }
    if (next) { next.addEventListener("click", function () { show(current + 1); if (next.disabled) { previous.focus(); } }); }
    section.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { show(current + 1); } else if (event.key === "ArrowLeft") { show(current - 1); }
    });
    if ("IntersectionObserver" in window) {
      /* half the cards in view, or half the screen filled by them (a tall card on a phone) */
      new IntersectionObserver(function (entries) {
        var entry = entries[entries.length - 1];
        /* rootBounds is the top window's viewport when the page sits in an LMS frame */
        var screen = entry.rootBounds ? entry.rootBounds.height : window.innerHeight;
        visible = entry.isIntersecting && (entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= 0.5 * screen);
        note();
      }, { threshold: [0, 0.25, 0.5, 0.75, 1] }).observe(section.querySelector(".carousel"));
    }
  }

  function main() {
    lms.start();
    window.addEventListener("pagehide", function () { lms.finish(); });
    window.addEventListener("beforeunload", function () { lms.finish(); });
    var video = document.getElementById("video");
    if (video) {
      showCaptions(video);
      trackWatching(video);
      formatSwitch(video);
      transcript(video);
    }
    cards();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
}());
