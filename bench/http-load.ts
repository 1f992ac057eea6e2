import autocannon from 'autocannon';

/**
 * One autocannon run, in a process of its own so that the load generator does not share the API's
 * event loop: argv[2] is JSON { url, token?, connections, seconds }; the result goes to the parent
 * over IPC. Loopback only.
 */
async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as {
    url: string;
    token?: string;
    connections: number;
    seconds: number;
  };
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(options.url))
    throw new Error(`refusing a non-loopback target: ${options.url}`);
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    headers: options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {},
  });
  process.send?.({
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`http-load: ${String(error)}\n`);
  process.exit(1);
});
