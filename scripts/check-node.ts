// STACK: npm may run on the machine's Node 20; Warden needs the Node 24 it brings.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `Warden needs Node 24 or newer (found ${process.version}). Run it through npm so node_modules/.bin/node is used.`,
  );
  process.exit(1);
}
