const helper = require('node-red-node-test-helper');
const path=require('path');
helper.init(require.resolve('node-red'));
const tempoNode = require(path.resolve('node-red-contrib-pi30/nodes/pi30-tempo.js'));
it('x', async function () {
  await helper.startServer();
  console.log(Object.keys(helper._context));
  helper._context.init({ contextStorage: { default: {module:'memory'}, file: { module: 'localfilesystem', config: { dir: '/tmp/ctxd', flushInterval: 1 } } } });
  await helper._context.load();
  await helper.load(tempoNode, [{id:'t',type:'tab'},{id:'p',type:'pi30-tempo',z:'t',wires:[]}]);
  const n=helper.getNode('p'); n.context().set('k', {a:1}, 'file');
  console.log(n.context().get('k','file'), helper._context.getStores ? helper._context.getStores() : '');
  await new Promise(r=>setTimeout(r,1500));
  console.log(require('child_process').execSync('find /tmp/ctxd').toString());
});
