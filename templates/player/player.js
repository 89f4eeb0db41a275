/* microlearn player: format switch, transcript seeking, cards, questions, and reporting to the LMS
 * (SCORM 1.2 here; cmi5 in cmi5.js, loaded before this file).
 *
 * SCORM 1.2 (ADL, "Run-Time Environment", API discovery): the LMS puts an object named API on a
 * window that launched the content — a parent frame or the opener. We walk up the parents (at most
 * 500 hops, as ADL's sample code does), then the opener's parents. Without an LMS the page plays on
 * its own and reports nothing.
 * Completion: at least 90% of the video watched (played, not skipped over) or every card shown.
 * Score and status: a lesson without questions reports "completed" with a full score (100 of 0-100);
 * a lesson with questions reports the share answered right as cmi.core.score.raw and "passed" or
 * "failed" against the mastery score (the LMS's cmi.student_data.mastery_score, from the manifest's
 * adlcp:masteryscore; else the page's own) once every question is answered, "incomplete" until then.
 * Resume: where the learner is (card, video position and format, what was watched and answered) is
 * kept in cmi.suspend_data and cmi.core.lesson_location; leaving before the end exits with "suspend",
 * so the LMS hands it back (cmi.core.entry "resume") and the page picks up where the learner left.
 */
(function () {
  "use strict";

  var WATCHED_ENOUGH = 0.9;
  var MAX_HOPS = 500;
  var SUSPEND_LIMIT = 4096; /* SCORM 1.2: cmi.suspend_data is CMIString4096 */
  var SAVE_EVERY = 10; /* seconds of playing between two saves of the position */

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

  /* The LMS session: initialize once, report status and score, keep the learner's place, commit and finish when the page goes. */
  var scorm = {
    api: null,
    active: false,
    started: Date.now(),
    status: "",
    start: function () {
      this.api = discoverAPI();
      if (!this.api) { return null; }
      this.active = String(this.api.LMSInitialize("")) === "true";
      if (!this.active) { return null; }
      this.status = this.get("cmi.core.lesson_status");
      if (this.status === "" || this.status === "not attempted") {
        this.set("cmi.core.lesson_status", "incomplete");
        this.status = "incomplete";
        this.api.LMSCommit("");
      }
      var saved = null;
      try { saved = JSON.parse(this.get("cmi.suspend_data") || "null"); } catch (e) { saved = null; }
      return saved && saved.v === 1 ? saved : null;
    },
    get: function (name) {
      var value = this.api.LMSGetValue(name);
      return value === null || value === undefined ? "" : String(value);
    },
    set: function (name, value) {
      return this.active && String(this.api.LMSSetValue(name, String(value))) === "true";
    },
    watched: function () {}, /* SCORM 1.2 has one status: settle() decides it */
    mastery: function (fallback) {
      var given = this.active ? parseFloat(this.get("cmi.student_data.mastery_score")) : NaN;
      return isFinite(given) ? given : fallback;
    },
    report: function (status, score) {
      if (!this.active) { return; }
      this.set("cmi.core.score.min", "0");
      this.set("cmi.core.score.max", "100");
      this.set("cmi.core.score.raw", String(score));
      this.set("cmi.core.lesson_status", status);
      this.status = status;
      this.api.LMSCommit("");
    },
    answered: function (number, question, response, right) {
      if (!this.active) { return; }
      var n = parseInt(this.get("cmi.interactions._count"), 10) || 0, at = "cmi.interactions." + n + ".";
      this.set(at + "id", "q" + number);
      this.set(at + "type", question.type);
      this.set(at + "correct_responses.0.pattern", question.correct);
      this.set(at + "student_response", response);
      this.set(at + "result", right ? "correct" : "wrong");
      this.set(at + "weighting", "1");
    },
    save: function (place) {
      if (!this.active) { return; }
      var data = JSON.stringify(place.state());
      if (data.length <= SUSPEND_LIMIT) { this.set("cmi.suspend_data", data); }
      this.set("cmi.core.lesson_location", place.location());
      this.api.LMSCommit("");
    },
    finish: function (place) {
      if (!this.active) { return; }
      this.save(place);
      /* "suspend" asks the LMS to keep this attempt's data for the next launch; a finished lesson exits normally */
      this.set("cmi.core.exit", this.status === "passed" || this.status === "completed" ? "" : "suspend");
      this.set("cmi.core.session_time", timespan((Date.now() - this.started) / 1000));
      this.api.LMSCommit("");
      this.active = false;
      this.api.LMSFinish("");
    }
  };

  /* The reporter: the SCORM 1.2 runtime, or the cmi5 AU (cmi5.js) when the LMS launched the page the cmi5 way. */
  var lms = window.microlearnCmi5 || scorm;

  /* CMITimespan: HHHH:MM:SS.SS */
  function timespan(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    function pad(n, width) { n = String(n); while (n.length < width) { n = "0" + n; } return n; }
    return pad(h, 4) + ":" + pad(m, 2) + ":" + pad(s.toFixed(2), 5);
  }

  /* What the learner did, kept across sessions through cmi.suspend_data. */
  var place = {
    watched: [], /* [start, end] seconds of the video played, in either format */
    time: 0, format: "", card: 0, seen: {}, answers: {},
    state: function () {
      var q = {}, key;
      for (key in this.answers) { if (this.answers.hasOwnProperty(key)) { q[key] = this.answers[key]; } }
      return { v: 1, t: Math.round(this.time * 10) / 10, f: this.format, c: this.card, s: Object.keys(this.seen).map(Number),
               w: this.watched.map(function (r) { return [Math.round(r[0] * 10) / 10, Math.round(r[1] * 10) / 10]; }), q: q };
    },
    location: function () { return "card=" + (this.card + 1) + ";t=" + (Math.round(this.time * 10) / 10); }
  };

  var completed = false;
  function markCompleted(reason) {
    if (completed) { return; }
    completed = true;
    document.body.setAttribute("data-completed", reason);
    lms.watched();
    settle();
  }

  /* The status the LMS gets, from what was watched, read and answered. */
  function settle() {
    var status = document.getElementById("status");
    var total = parseInt(document.body.getAttribute("data-questions"), 10) || 0;
    if (total === 0) {
      if (!completed) { return; }
      if (status) { status.textContent = status.getAttribute("data-done"); }
      lms.report("completed", 100);
      return;
    }
    var answered = 0, right = 0, key;
    for (key in place.answers) {
      if (place.answers.hasOwnProperty(key)) { answered++; if (place.answers[key].ok) { right++; } }
    }
    if (answered < total) {
      if (completed && status) { status.textContent = status.getAttribute("data-quiz-left"); }
      return;
    }
    var score = Math.round(100 * right / total);
    var mastery = lms.mastery(parseFloat(document.body.getAttribute("data-mastery")) || 0);
    var passed = score >= mastery;
    document.body.setAttribute("data-score", String(score));
    if (status) {
      status.textContent = status.getAttribute("data-score").replace("{score}", String(score)) + " " +
        status.getAttribute(passed ? "data-passed" : "data-failed");
    }
    lms.report(passed ? "passed" : "failed", score);
  }

  /* Watched time from the browser's own record of what was played (video.played): seeking over a
   * stretch does not count as watching it. Both formats share one timeline, so what was played in
   * the other format counts too, once (a source change empties video.played, so it is kept here). */
  function trackWatching(video) {
    var earlier = place.watched.slice(), current = [], lastSave = 0;
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
    function merged(list) {
      list = list.slice().sort(function (a, b) { return a[0] - b[0]; });
      var out = [];
      for (var i = 0; i < list.length; i++) {
        var last = out[out.length - 1];
        if (last && list[i][0] <= last[1] + 0.5) { last[1] = Math.max(last[1], list[i][1]); } else { out.push(list[i].slice()); }
      }
      return out;
    }
    function check() {
      current = ranges();
      place.watched = merged(earlier.concat(current));
      place.time = video.currentTime;
      if (isFinite(video.duration) && video.duration > 0 && union(place.watched) / video.duration >= WATCHED_ENOUGH) {
        markCompleted("video");
      }
      if (Math.abs(video.currentTime - lastSave) >= SAVE_EVERY) { lastSave = video.currentTime; lms.save(place); }
    }
    video.addEventListener("timeupdate", check);
    video.addEventListener("ended", check);
    video.addEventListener("pause", function () { check(); lms.save(place); });
    video.addEventListener("emptied", function () { earlier = earlier.concat(current); current = []; });
  }

  function showCaptions(video) {
    for (var i = 0; i < video.textTracks.length; i++) {
      if (video.textTracks[i].kind === "captions") { video.textTracks[i].mode = "showing"; }
    }
  }

  function formatSwitch(video) {
    var sources = JSON.parse(video.getAttribute("data-sources") || "{}");
    var buttons = document.querySelectorAll(".formats button");
    var frame = video.parentNode;
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        var key = button.getAttribute("data-format"), chosen = sources[key];
        if (!chosen || button.getAttribute("aria-pressed") === "true") { return; }
        var at = video.currentTime, playing = !video.paused, rate = video.playbackRate;
        Array.prototype.forEach.call(buttons, function (other) { other.setAttribute("aria-pressed", String(other === button)); });
        frame.className = "frame " + key;
        place.format = key;
        video.setAttribute("poster", chosen.poster);
        video.querySelector("source").setAttribute("src", chosen.src);
        video.load();
        video.addEventListener("loadedmetadata", function resume() {
          video.removeEventListener("loadedmetadata", resume);
          video.currentTime = at;
          video.playbackRate = rate;
          showCaptions(video);
          if (playing) { video.play().catch(function () {}); }
        });
      });
    });
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
  function cards(saved) {
    var section = document.getElementById("cards");
    if (!section) { return; }
    var all = section.querySelectorAll("article.card");
    var previous = document.getElementById("previous-card"), next = document.getElementById("next-card");
    var current = 0, visible = false, count = 0;
    function mark(index) {
      if (place.seen[index]) { return; }
      place.seen[index] = true;
      count++;
      if (count === all.length) { markCompleted("cards"); }
    }
    function note() {
      if (visible) { mark(current); }
    }
    function show(index, quietly) {
      if (index < 0 || index >= all.length) { return; }
      /* moving on from a card with its buttons or arrow keys means it was in front of the reader,
         even when the visibility observer has not reported yet (it runs later, asynchronously) */
      if (!quietly) { mark(current); }
      all[current].hidden = true;
      current = index;
      place.card = index;
      all[current].hidden = false;
      if (previous) { previous.disabled = current === 0; }
      if (next) { next.disabled = current === all.length - 1; }
      note();
      if (!quietly) { lms.save(place); }
    }
    if (saved) {
      (saved.s || []).forEach(function (index) { if (index >= 0 && index < all.length) { mark(index); } });
      show(Math.min(Math.max(saved.c || 0, 0), all.length - 1), true);
    }
    if (previous) { previous.addEventListener("click", function () { show(current - 1); if (previous.disabled) { next.focus(); } }); }
    if (next) { next.addEventListener("click", function () { show(current + 1); if (next.disabled) { previous.focus(); } }); }
    section.addEventListener("keydown", function (event) {
      /* arrow keys inside a question move between its answers (radio buttons), not between cards */
      if (event.target && event.target.tagName === "INPUT") { return; }
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

  /* Knowledge checks: each question is checked by its own button; the response and whether it was
   * right go to the LMS as an interaction, and the score once every question is answered. */
  function questions(saved) {
    var forms = document.querySelectorAll("form.question");
    Array.prototype.forEach.call(forms, function (form, index) {
      var id = form.getAttribute("data-question");
      var question = { type: form.getAttribute("data-type"), correct: form.getAttribute("data-correct") };
      var inputs = form.querySelectorAll("input");
      var result = form.querySelector(".result"), again = form.querySelector(".again"), check = form.querySelector(".check");
      var explanation = form.querySelector(".explanation");
      function chosen() {
        return Array.prototype.filter.call(inputs, function (input) { return input.checked; })
          .map(function (input) { return input.value; }).join(",");
      }
      function show(response, right) {
        var picked = response.split(",");
        Array.prototype.forEach.call(inputs, function (input) {
          input.checked = picked.indexOf(input.value) >= 0;
          input.disabled = true;
        });
        Array.prototype.forEach.call(form.querySelectorAll(".feedback"), function (line) {
          line.hidden = picked.indexOf(line.getAttribute("data-for")) < 0;
        });
        result.className = "result " + (right ? "right" : "wrong");
        result.textContent = result.getAttribute(right ? "data-right" : "data-wrong");
        if (explanation) { explanation.hidden = false; }
        check.hidden = true;
        again.hidden = false;
      }
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var response = chosen();
        if (!response) {
          result.className = "result";
          result.textContent = result.getAttribute("data-pick");
          return;
        }
        var right = response === question.correct;
        place.answers[id] = { r: response, ok: right };
        show(response, right);
        lms.answered(index + 1, question, response, right);
        settle();
        lms.save(place);
        again.focus();
      });
      again.addEventListener("click", function () {
        Array.prototype.forEach.call(inputs, function (input) { input.disabled = false; input.checked = false; });
        Array.prototype.forEach.call(form.querySelectorAll(".feedback"), function (line) { line.hidden = true; });
        result.className = "result";
        result.textContent = "";
        if (explanation) { explanation.hidden = true; }
        again.hidden = true;
        check.hidden = false;
        inputs[0].focus();
      });
      var before = saved && saved.q && saved.q[id];
      if (before && typeof before.r === "string") {
        place.answers[id] = { r: before.r, ok: before.r === question.correct };
        show(before.r, place.answers[id].ok);
      }
    });
  }

  /* Back where the learner left: the video's format and position (set once the video can seek). */
  function resumeVideo(video, saved) {
    if (!saved) { return; }
    var button = saved.f && document.querySelector('.formats button[data-format="' + saved.f + '"]');
    if (button && button.getAttribute("aria-pressed") !== "true") { button.click(); }
    if (saved.t > 0) {
      var seek = function () {
        if (isFinite(video.duration) && saved.t < video.duration) { video.currentTime = saved.t; }
        place.time = saved.t;
      };
      if (video.readyState >= 1) { seek(); } else { video.addEventListener("loadedmetadata", function once() { video.removeEventListener("loadedmetadata", once); seek(); }); }
    }
  }

  function main() {
    var saved = lms.start();
    if (saved) {
      place.watched = (saved.w || []).filter(function (r) { return r && r.length === 2 && r[1] > r[0]; });
      place.time = saved.t || 0;
      place.format = saved.f || "";
    }
    window.addEventListener("pagehide", function () { lms.finish(place); });
    window.addEventListener("beforeunload", function () { lms.finish(place); });
    var video = document.getElementById("video");
    if (video) {
      showCaptions(video);
      trackWatching(video);
      formatSwitch(video);
      transcript(video);
      resumeVideo(video, saved);
    }
    cards(saved);
    questions(saved);
    if (saved) { settle(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
}());
