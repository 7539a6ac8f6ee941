// The `mariadb` npm connector as a snapshot peer: stream every row of one table (queryStream,
// no buffering of the result) and write each as the same [op, table, id, row, meta] JSON tuple
// dumpr writes, in 64 KiB chunks to stdout. Prints the row count on stderr.
//   node node_load.mjs NPM_DIR HOST PORT USER PASSWORD DATABASE TABLE
import { createRequire } from 'node:module';
import { writeSync } from 'node:fs';

const [npmDir, host, port, user, password, database, table] = process.argv.slice(2);
const require = createRequire(npmDir + '/package.json');
const mariadb = require('mariadb');

const conn = await mariadb.createConnection({
  host, port: Number(port), user, password, database,
  bigIntAsNumber: true,      // ids and counters fit; JSON.stringify cannot take BigInt
  decimalAsNumber: false,    // DECIMAL as exact strings, like dumpr
  dateStrings: false,        // DATETIME as Date, serialised as ISO by JSON.stringify
  timezone: 'Z',
});
let buf = '';
let n = 0;
const flush = () => { if (buf.length) { writeSync(1, buf); buf = ''; } };
const stream = conn.queryStream(`SELECT * FROM \`${table}\``);
for await (const row of stream) {
  buf += JSON.stringify(['upsert', table, row.id, row, null]) + '\n';
  if (buf.length >= 65536) flush();
  n++;
}
flush();
await conn.end();
process.stderr.write(`rows=${n}\n`);
