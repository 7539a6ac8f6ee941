// ZongJi (npm @vlasky/zongji) as a binlog peer: from FILE:POS, emit every row change as the same
// [op, table, id, row, meta] JSON tuple dumpr writes, in 64 KiB chunks to stdout, and stop once
// the commit at or past END_FILE:END_POS was seen. Prints the row count on stderr.
//   node zongji_tail.mjs NPM_DIR HOST PORT USER PASSWORD FILE POS END_FILE END_POS SERVER_ID
import { writeSync } from 'node:fs';

const [npmDir, host, port, user, password, file, pos, endFile, endPos, serverId] =
  process.argv.slice(2);
const { default: ZongJi } = await import(npmDir + '/node_modules/@vlasky/zongji/index.js');

const zongji = new ZongJi({ host, port: Number(port), user, password, timezone: 'Z' });
let buf = '';
let n = 0;
let done = false;
const flush = () => { if (buf.length) { writeSync(1, buf); buf = ''; } };
const end = Number(endPos);

zongji.on('error', (err) => {
  console.error('zongji error:', err && err.message ? err.message : err);
  process.exit(1);
});
zongji.on('binlog', (evt) => {
  if (done) return;
  const name = evt.getEventName();
  if (name === 'writerows' || name === 'updaterows' || name === 'deleterows') {
    const tm = evt.tableMap[evt.tableId];
    const meta = { ts: new Date(evt.timestamp).toISOString(), db: tm.parentSchema,
                   next_position: evt.nextPosition, gtid: evt.gtid };
    for (const r of evt.rows) {
      if (name === 'writerows') {
        buf += JSON.stringify(['upsert', tm.tableName, r.id, r, meta]) + '\n';
      } else if (name === 'deleterows') {
        buf += JSON.stringify(['delete', tm.tableName, r.id, r, meta]) + '\n';
      } else {
        buf += JSON.stringify(['upsert', tm.tableName, r.after.id, r.after, meta]) + '\n';
      }
      n++;
      if (buf.length >= 65536) flush();
    }
  } else if (name === 'xid' || name === 'query') {
    const cur = zongji.get('filename');
    if (cur > endFile || (cur === endFile && evt.nextPosition >= end)) {
      done = true;
      flush();
      process.stderr.write(`rows=${n}\n`);
      zongji.stop();
      process.exit(0);
    }
  }
});
zongji.start({
  serverId: Number(serverId), filename: file, position: Number(pos),
  includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'query'],
});
