// Public surface of the demo documents server: the server factory (for the
// embedded default and tests) and its library.

export { createDemoDocsServer, demoDocsServerInfo, documentUri, DOCS_SCOPES, type DemoDocsOptions } from './server.ts';
export { DocumentLibrary, isRestricted, loadSampleDocuments, type DocumentPage, type SearchHit } from './library.ts';
