// A child process for the hold-file race test: adds `count` holds named `<prefix>-<n>` to the holds in
// `stateDir`, each by reading the record and writing it back on the version read (again when refused),
// as the desk commands do. It starts at `startAtMs` (epoch ms), so two of them started apart run together.
import { FileDigestHold } from '../../src/adapters/fs/digest-hold.js';

const [stateDir = '', prefix = '', count = '0', startAtMs = '0'] = process.argv.slice(2);
await new Promise((resolve) => setTimeout(resolve, Number(startAtMs) - Date.now()));
const store = new FileDigestHold(stateDir);
for (let n = 0; n < Number(count); n++) {
  const hold = { id: `${prefix}-${n}`, sources: [`posts/${prefix}-${n}.md`], sinceMs: n };
  for (;;) {
    const { holds, version } = await store.holds();
    if (await store.saveHolds([...holds, hold], version)) break;
  }
}
