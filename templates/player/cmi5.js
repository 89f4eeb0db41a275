/* microlearn player: the cmi5 assignable unit (xAPI), used when an LMS launches the page the cmi5 way.
 *
 * cmi5 (AICC/ADL, "cmi5 specification", sections 8-10): the LMS launches the AU with endpoint, fetch,
 * actor, registration and activityId in the address. The AU posts to the fetch URL once for an
 * authorization token, reads the LMS.LaunchData state document (context template, launch mode,
 * mastery score), then sends the cmi5-defined statements to the LRS: initialized; completed (the
 * video watched or every card read); passed or failed (the questions scored against the mastery
 * score, Normal launch mode only); terminated when the page goes. Each statement carries the context
 * template, the registration and the cmi5 category (and the moveOn category where the spec asks).
 * The page exposes the same reporter as the SCORM one (player.js), so everything else is shared.
 */
(function () {
  "use strict";

  var XAPI_VERSION = "1.0.3";
  var VERBS = {
    initialized: "http://adlnet.gov/expapi/verbs/initialized",
    completed: "http://adlnet.gov/expapi/verbs/completed",
    passed: "http://adlnet.gov/expapi/verbs/passed",
    failed: "http://adlnet.gov/expapi/verbs/failed",
    terminated: "http://adlnet.gov/expapi/verbs/terminated"
  };
  var CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
  var MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon";

  var query = {};
  location.search.replace(/^\?/, "").split("&").forEach(function (pair) {
    if (!pair) { return; }
    var at = pair.indexOf("="), key = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
    query[key] = at < 0 ? "" : decodeURIComponent(pair.slice(at + 1).replace(/\+/g, " "));
  });
  var launched = ["endpoint", "fetch", "actor", "registration", "activityId"].every(function (k) { return query[k]; });

  function uuid() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /* ISO 8601 duration, as xAPI's result.duration: PT1M2.5S */
  function duration(seconds) {
    var m = Math.floor(seconds / 60), s = Math.round((seconds % 60) * 100) / 100;
    return "PT" + (m ? m + "M" : "") + s + "S";
  }

  var endpoint = (query.endpoint || "").replace(/\/?$/, "/");
  var actor = null;
  try { actor = JSON.parse(query.actor || "null"); } catch (e) { actor = null; }

  var cmi5 = {
    active: false,
    started: Date.now(),
    token: "",
    launchData: null,
    sent: {},
    queue: Promise.resolve(),
    status: "",
    headers: function () {
      return { "Authorization": "Basic " + this.token, "X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json" };
    },
    start: function () {
      if (!launched || !actor) { return null; }
      this.active = true;
      var self = this;
      /* everything the AU sends waits for the token and the launch data, in order */
      this.queue = fetch(query.fetch, { method: "POST" })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (!answer["auth-token"]) { throw new Error("the LMS gave no auth-token: " + JSON.stringify(answer)); }
          self.token = answer["auth-token"];
          var url = endpoint + "activities/state?stateId=LMS.LaunchData&activityId=" + encodeURIComponent(query.activityId) +
            "&agent=" + encodeURIComponent(JSON.stringify(actor)) + "&registration=" + encodeURIComponent(query.registration);
          return fetch(url, { headers: self.headers() });
        })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          self.launchData = data;
          return self.post("initialized", null, false);
        })
        .catch(function (error) { self.active = false; document.body.setAttribute("data-cmi5-error", String(error && error.message || error)); });
      return null;
    },
    normal: function () { return !this.launchData || !this.launchData.launchMode || this.launchData.launchMode === "Normal"; },
    statement: function (verb, result, moveOn) {
      var context = JSON.parse(JSON.stringify((this.launchData && this.launchData.contextTemplate) || {}));
      context.registration = query.registration;
      context.contextActivities = context.contextActivities || {};
      var category = context.contextActivities.category || [];
      category.push({ id: CMI5, objectType: "Activity" });
      if (moveOn) { category.push({ id: MOVEON, objectType: "Activity" }); }
      context.contextActivities.category = category;
      var statement = {
        id: uuid(), timestamp: new Date().toISOString(), actor: actor,
        verb: { id: VERBS[verb], display: { "en-US": verb } },
        object: { id: query.activityId, objectType: "Activity" },
        context: context
      };
      if (result) { statement.result = result; }
      return statement;
    },
    post: function (verb, result, moveOn) {
      var body = JSON.stringify(this.statement(verb, result, moveOn));
      this.sent[verb] = true;
      /* keepalive: a learner who closes the page right after answering still gets the statement sent */
      return fetch(endpoint + "statements", { method: "POST", headers: this.headers(), body: body, keepalive: true })
        .then(function (response) {
          if (!response.ok) { throw new Error("the LRS refused the " + verb + " statement: " + response.status); }
          var done = document.body.getAttribute("data-cmi5-sent");
          document.body.setAttribute("data-cmi5-sent", (done ? done + " " : "") + verb);
        });
    },
    send: function (verb, result, moveOn) {
      var self = this;
      this.queue = this.queue.then(function () { if (self.active) { return self.post(verb, result, moveOn); } })
        .catch(function (error) { document.body.setAttribute("data-cmi5-error", String(error && error.message || error)); });
      return this.queue;
    },
    elapsed: function () { return duration((Date.now() - this.started) / 1000); },
    mastery: function (fallback) {
      var given = this.launchData && parseFloat(this.launchData.masteryScore);
      return isFinite(given) ? given * 100 : fallback;
    },
    watched: function () {
      if (!this.active || this.sent.completed || !this.normal()) { return; }
      this.sent.completed = true;
      this.send("completed", { completion: true, duration: this.elapsed() }, true);
    },
    report: function (status, score) {
      if (!this.active || !this.normal()) { return; }
      this.status = status;
      if (status === "completed") { this.watched(); return; }
      /* cmi5 9.3.4/9.3.5: one passed per registration, and no failed after it */
      if (this.sent.passed) { return; }
      var verb = status === "passed" ? "passed" : "failed";
      this.sent[verb] = true;
      this.send(verb, { score: { scaled: score / 100, raw: score, min: 0, max: 100 }, success: verb === "passed", duration: this.elapsed() }, true);
    },
    answered: function () {},
    save: function () {},
    finish: function () {
      if (!this.active || this.sent.terminated) { return; }
      this.sent.terminated = true;
      var self = this;
      this.queue = this.queue.then(function () {
        return self.post("terminated", { duration: self.elapsed() }, false);
      }).catch(function () {});
    }
  };

  window.microlearnCmi5 = launched ? cmi5 : null;
}());
