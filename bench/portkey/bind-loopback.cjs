// Preloaded by bench/run.sh (node --require): Portkey's start-server listens on every interface
// and has no option for the address, so pin every listening socket to 127.0.0.1.
'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
    if (typeof args[0] === 'number') {
        if (args[1] === undefined || args[1] === null) args[1] = '127.0.0.1';
        else if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
    } else if (args[0] && typeof args[0] === 'object' && args[0].port !== undefined) {
        args[0] = { ...args[0], host: '127.0.0.1' };
    }
    return listen.apply(this, args);
};
