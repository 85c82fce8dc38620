/** The OpenAPI 3.1 description of the API, served at /api/openapi.json and rendered at /docs/api. */
import { libraryOpenApi } from '../handlers/library.ts';
import type { SiteConfig } from '../../config.ts';
import { commentsOpenApi } from './comments.ts';
import { communityOpenApi } from './community.ts';
import { MAX_LIMIT } from './handlers.ts';
import { searchOpenApi } from './search.ts';
import { collectionsOpenApi } from './collections.ts';

const error = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: error } } });

export function openApiDocument(site: SiteConfig) {
  const comments = commentsOpenApi();
  const community = communityOpenApi();
  return {
    openapi: '3.1.0',
    info: {
      title: `${site.name} API`,
      version: '1',
      description:
        'Read the daily lists and papers. The format is that of the Hugging Face Daily Papers API ' +
        '(https://huggingface.co/api/daily_papers), so existing clients work unchanged. Errors are `{"error": "…"}`. ' +
        'Responses carry an ETag; send it back in If-None-Match to get 304 when nothing changed. CORS is open for GET.',
    },
    servers: [{ url: site.publicUrl }],
    paths: {
      '/api/daily_papers': {
        get: {
          operationId: 'listDailyPapers',
          summary: 'Papers on the daily lists',
          description:
            'With `date`, `week` or `month`: the papers listed in that period, most upvoted first. Without: every listing, most recent first. ' +
            '`sort=trending` ranks the papers of the last 7 days by the trending score (see /about/ranking).',
          parameters: [
            { name: 'p', in: 'query', description: 'Page number, from 0.', schema: { type: 'integer', minimum: 0, default: 0 } },
            { name: 'limit', in: 'query', description: 'Papers per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 50 } },
            { name: 'date', in: 'query', description: 'A day, YYYY-MM-DD.', schema: { type: 'string', format: 'date' } },
            { name: 'week', in: 'query', description: 'An ISO week, YYYY-Www (e.g. 2024-W45).', schema: { type: 'string', pattern: '^\\d{4}-W\\d{2}$' } },
            { name: 'month', in: 'query', description: 'A month, YYYY-MM.', schema: { type: 'string', pattern: '^\\d{4}-\\d{2}$' } },
            { name: 'submitter', in: 'query', description: 'Only papers submitted by this username.', schema: { type: 'string' } },
            { name: 'sort', in: 'query', description: '`publishedAt`: most recently listed first; `trending`: by trending score.', schema: { type: 'string', enum: ['publishedAt', 'trending'] } },
          ],
          responses: {
            200: { description: 'A page of listings.', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/DailyPaper' } } } } },
            304: { description: 'Not modified (If-None-Match matched the ETag).' },
            400: errorResponse('A parameter is malformed; the message names it.'),
          },
        },
        post: {
          operationId: 'submitPaper',
          summary: 'Put a paper on today’s list',
          description: 'Needs a personal access token (Authorization: Bearer dp_…). The paper is fetched from arXiv when it is not here yet. The submission rules of the site apply; a refusal says why.',
          security: [{ token: [] }],
          parameters: [],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', required: ['paper'], properties: { paper: { type: 'string', description: 'arXiv id or link' }, comment: { type: 'string', maxLength: 500 } } } } },
          },
          responses: {
            201: { description: 'Listed.', content: { 'application/json': { schema: { type: 'object', properties: { paper: { type: 'string' }, day: { type: 'string', format: 'date' } } } } } },
            400: errorResponse('Not an arXiv id or link, or a malformed body.'),
            401: errorResponse('No valid token.'),
            403: errorResponse('A submission rule refuses it; the message says which.'),
            404: errorResponse('arXiv has no such paper.'),
            409: errorResponse('Already on today’s list.'),
            503: errorResponse('The paper is not here and arXiv cannot be reached now.'),
          },
        },
      },
      '/api/papers/{id}': {
        get: {
          operationId: 'getPaper',
          summary: 'One paper',
          parameters: [
            { name: 'id', in: 'path', required: true, description: 'arXiv id, with or without version (2401.01234, 2401.01234v2); old-style ids such as hep-th/9901001 are written with their slash.', schema: { type: 'string' } },
          ],
          responses: {
            200: { description: 'The paper.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Paper' } } } },
            304: { description: 'Not modified.' },
            400: errorResponse('Not an arXiv id.'),
            404: errorResponse('No such paper here.'),
          },
        },
      },
      '/api/papers/{id}/similar': {
        get: {
          operationId: 'getSimilarPapers',
          summary: 'Papers similar to one paper',
          description: 'The papers nearest to this one by embedding (semantic search), best first. An empty array when semantic search is not set up on this site, or the paper has no embedding yet.',
          parameters: [
            { name: 'id', in: 'path', required: true, description: 'arXiv id, as for GET /api/papers/{id}.', schema: { type: 'string' } },
            { name: 'limit', in: 'query', required: false, description: 'How many (default 10).', schema: { type: 'integer', minimum: 1, maximum: 50, default: 10 } },
          ],
          responses: {
            200: { description: 'Similar papers, in the shape of GET /api/papers/{id}.', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Paper' } } } } },
            400: errorResponse('Not an arXiv id, or a bad limit.'),
            404: errorResponse('No such paper here.'),
          },
        },
      },
      '/api/papers/{id}/extracted': {
        get: {
          operationId: 'getExtractedSummary',
          summary: "This site's extracted summary and keywords of a paper",
          description: "For papers without Hugging Face's ai_summary (those harvested from arXiv): one or two sentences and keyword phrases picked from the abstract by this site, without a model. An extension: never put in ai_summary / ai_keywords. null and [] when the paper has Hugging Face's summary or none was extracted yet.",
          parameters: [{ name: 'id', in: 'path', required: true, description: 'arXiv id, as for GET /api/papers/{id}.', schema: { type: 'string' } }],
          responses: {
            200: {
              description: 'The extract.',
              content: { 'application/json': { schema: { type: 'object', properties: {
                id: { type: 'string' }, extracted_summary: { type: ['string', 'null'] }, extracted_keywords: { type: 'array', items: { type: 'string' } },
                extract_method: { type: ['integer', 'null'] }, extracted_at: { type: ['string', 'null'], format: 'date-time' },
              } } } },
            },
            400: errorResponse('Not an arXiv id.'),
            404: errorResponse('No such paper here.'),
          },
        },
      },
      ...searchOpenApi().paths,
      ...comments.paths,
      ...community.paths,
      ...collectionsOpenApi().paths,
      ...libraryOpenApi(),
    },
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'A personal access token (dp_…), made in settings. It works on the /api/ routes only (403 elsewhere: it cannot manage the account, its tokens, email or password) and ends when the password is changed or reset, or on “log out everywhere”.' } },
      schemas: {
        ...comments.schemas,
        ...community.schemas,
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'string', description: 'What is wrong, in words.' } } },
        Author: {
          type: 'object',
          required: ['name'],
          properties: { _id: { type: 'string' }, name: { type: 'string' }, hidden: { type: 'boolean' }, user: { type: 'object' }, status: { type: 'string' } },
        },
        User: {
          type: 'object',
          properties: { _id: { type: 'string' }, name: { type: 'string', description: 'Username.' }, fullname: { type: 'string' }, avatarUrl: { type: 'string' }, type: { type: 'string' } },
        },
        Organization: {
          type: 'object',
          required: ['name'],
          properties: { _id: { type: 'string' }, name: { type: 'string' }, fullname: { type: 'string' }, avatar: { type: 'string' } },
        },
        Paper: {
          type: 'object',
          required: ['id', 'title', 'authors', 'upvotes'],
          properties: {
            id: { type: 'string', description: 'arXiv id without version.' },
            title: { type: 'string' },
            summary: { type: 'string', description: 'The abstract.' },
            authors: { type: 'array', items: { $ref: '#/components/schemas/Author' } },
            publishedAt: { type: 'string', format: 'date-time', description: 'When version 1 appeared on arXiv.' },
            submittedOnDailyAt: { type: 'string', format: 'date-time' },
            submittedOnDailyBy: { $ref: '#/components/schemas/User' },
            upvotes: { type: 'integer' },
            discussionId: { type: 'string' },
            projectPage: { type: 'string' },
            githubRepo: { type: 'string' },
            githubStars: { type: 'integer' },
            ai_summary: { type: 'string' },
            ai_keywords: { type: 'array', items: { type: 'string' } },
            organization: { $ref: '#/components/schemas/Organization' },
          },
        },
        DailyPaper: {
          type: 'object',
          required: ['paper', 'publishedAt', 'title', 'numComments'],
          properties: {
            paper: { $ref: '#/components/schemas/Paper' },
            publishedAt: { type: 'string', format: 'date-time', description: 'When the paper was put on the list (not the arXiv date).' },
            title: { type: 'string' },
            summary: { type: 'string' },
            thumbnail: { type: 'string' },
            mediaUrls: { type: 'array', items: { type: 'string' } },
            numComments: { type: 'integer' },
            submittedBy: { $ref: '#/components/schemas/User' },
            organization: { $ref: '#/components/schemas/Organization' },
            isAuthorParticipating: { type: 'boolean' },
          },
        },
      },
    },
  };
}
