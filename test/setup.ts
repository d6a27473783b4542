// The AWS SDK warns about Node 20 on every client construction; the project supports Node 20+.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
