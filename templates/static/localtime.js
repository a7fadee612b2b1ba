// Console times: every <time data-local datetime="..."> is written by
// the server in UTC with the zone's name; here it is rewritten in the
// browser's time zone, with that zone's name. Without JavaScript the UTC
// text stays.
"use strict";
document.querySelectorAll("time[data-local]").forEach(function (el) {
  var d = new Date(el.getAttribute("datetime"));
  if (isNaN(d.getTime())) {
    return;
  }
  var lang = document.documentElement.lang || undefined;
  try {
    el.title = el.textContent;
    el.textContent = d.toLocaleString(lang, {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
  } catch (e) {
    // an old browser without these options keeps the UTC text
  }
});
