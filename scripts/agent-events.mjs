// Reads the agent's server-sent events (/v1/events) for the demo and the
// benchmark: `onEvent` gets each event with the time it arrived.
export async function readAgentEvents(endpoint, onEvent) {
  const controller = new AbortController();
  const response = await fetch(`${endpoint}/v1/events`, { signal: controller.signal });
  const reader = response.body.getReader();
  let buffer = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) return;
      buffer += Buffer.from(value).toString();
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (data) onEvent(JSON.parse(data.slice(6)), performance.now());
      }
    }
  })();
  return () => controller.abort();
}
