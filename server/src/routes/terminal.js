// "You can close this tab": says when the terminal has collected its
// session, the moment the server learns it (GET /live/cli, server-sent
// events; server/src/routes/live.rs). Without JavaScript the page still
// says what to do.
(() => {
  const status = document.querySelector('[data-terminal-status]');
  if (!status || !window.EventSource) return;
  const events = new EventSource(status.dataset.terminalStatus);
  events.addEventListener('changed', (event) => {
    events.close();
    status.textContent = event.data === 'signed_in'
      ? '✓ Your terminal is signed in.'
      : 'Your terminal did not collect its session in time: run relay auth again.';
  });
})();
