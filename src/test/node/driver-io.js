'use strict';
/*
 * What the test drivers (sdk-run.js, otlp-logs-run.js) share: their input, one JSON object on stdin, and their
 * progress lines on stderr, each stamped with the milliseconds since the driver started.
 */
const started = Date.now();

/** Milliseconds since the driver started. */
const ms = () => Date.now() - started;

/** A logger of progress lines on stderr, prefixed with the driver's name: "sdk-run: 12 ms ...". */
const logger = (name) => (line) => process.stderr.write(`${name}: ${ms()} ms ${line}\n`);

/** The one JSON object on stdin. */
function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        reject(new Error(`stdin is not one JSON object: ${e.message}`));
      }
    });
    process.stdin.on('error', reject);
  });
}

module.exports = { ms, logger, readStdin };
