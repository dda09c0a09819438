import { vendorManifest } from './vendor-manifest';

/** Azure OpenAI: Chat Completions by deployment name through the AzureOpenAI SDK client; no batch, no pool. */
export const azureOpenai = vendorManifest('azure-openai', 'openai', {
  chat: true,
  stream: true,
  batch: false,
  job: false,
  pooled: false,
  offByDefault: false,
});
