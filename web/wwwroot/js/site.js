// Job Tracker: the little JavaScript the pages need, wired through htmx events and data- attributes.
// The Content-Security-Policy allows no inline script, handler (onclick, hx-on) or eval: it all lives here.
(() => {
  'use strict';

  // Every htmx request carries the antiforgery token in a header. ASP.NET Core reads the header
  // first, so it never has to read (and buffer) a form body, which matters for uploads.
  document.addEventListener('htmx:configRequest', (event) => {
    const token = document.querySelector('meta[name="request-verification-token"]');
    if (token) event.detail.headers['RequestVerificationToken'] = token.content;
  });

  // A poll (the element that polls, data-etag: the version of what it shows) asks with If-None-Match:
  // while nothing changed the server answers 304 without a body, and htmx swaps nothing on 304
  // (responseHandling in the layout's htmx-config). Paging links, filters and Refresh ask for a fresh copy.
  document.addEventListener('htmx:configRequest', (event) => {
    const element = event.detail.elt;
    if (event.detail.verb === 'get' && element instanceof HTMLElement && element.dataset.etag) {
      event.detail.headers['If-None-Match'] = element.dataset.etag;
    }
  });

  // The sign-in form tells the server the browser's time zone (an IANA id such as Europe/Berlin):
  // a user who has none yet takes it, so times read in their own zone from the first page on.
  const fillTimeZone = () => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    for (const field of document.querySelectorAll('input[data-browser-time-zone]')) {
      if (zone && !field.value) field.value = zone;
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fillTimeZone);
  else fillTimeZone();

  // A poll brings fresh copies of controls out of band (the batch filter with its counts).
  // An element marked data-keep-while-focused is left alone while the user is using a control in it.
  document.addEventListener('htmx:oobBeforeSwap', (event) => {
    const target = event.detail.target;
    if (target?.matches('[data-keep-while-focused]') && target.contains(document.activeElement)) {
      event.detail.shouldSwap = false;
    }
  });

  // A button marked data-remove-row removes its table row (the schema editor's Remove).
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-remove-row]') : null;
    if (button) button.closest('tr')?.remove();
  });

  // Upload form: refuse a file over the limit before sending it, and show the upload's progress.
  document.addEventListener('htmx:beforeRequest', (event) => {
    const form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.dataset.maxBytes) return;
    const file = form.querySelector('input[type=file]')?.files?.[0];
    const error = form.querySelector('#import-error');
    if (file && file.size > Number(form.dataset.maxBytes)) {
      event.preventDefault();
      if (error) {
        error.textContent = form.dataset.tooLarge;
        error.hidden = false;
      }
      return;
    }
    if (error) error.hidden = true;
    const progress = form.querySelector('progress');
    if (progress) {
      progress.value = 0;
      progress.hidden = false;
    }
  });

  document.addEventListener('htmx:xhr:progress', (event) => {
    const progress = event.target.querySelector?.('#upload-progress');
    if (progress && event.detail.lengthComputable) {
      progress.value = Math.round((event.detail.loaded / event.detail.total) * 100);
    }
  });
})();
