/*
 * bm25_idf(): FTS5's bm25() with the inverse document frequencies given by the caller.
 *
 * FTS5's own bm25() learns each phrase's document count by running the phrase over the whole index
 * once per query (xQueryPhrase), whatever the candidate set: that pass is linear in the corpus and was
 * most of a keyword search's time at 1M papers (docs/decisions/0044-ranking-at-scale.md). This function
 * is bm25() line for line (fts5_aux.c: k1 1.2, b 0.75, the same column weights and length
 * normalization) except that the IDF of phrase i is argument (column count + i) when given; a phrase
 * without one is counted the way bm25() counts it, so bm25_idf(t, w...) with no IDFs equals bm25(t, w...).
 *
 *   bm25_idf(papers_fts, w_col0, w_col1, ..., idf_phrase0, idf_phrase1, ...)
 *
 * Built by scripts/build-native.mjs at `npm install` and loaded by src/db/connection.ts when present.
 */
#include <math.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

typedef struct Bm25Data {
  int nPhrase;
  double avgdl;
  double *aIDF;
  double *aFreq;
} Bm25Data;

static int countCb(const Fts5ExtensionApi *pApi, Fts5Context *pFts, void *pUserData) {
  (void)pApi; (void)pFts;
  (*(sqlite3_int64 *)pUserData)++;
  return SQLITE_OK;
}

static int bm25Data(const Fts5ExtensionApi *pApi, Fts5Context *pFts, int nVal, sqlite3_value **apVal, Bm25Data **ppData) {
  int rc = SQLITE_OK;
  Bm25Data *p = (Bm25Data *)pApi->xGetAuxdata(pFts, 0);
  if (p == 0) {
    int nPhrase = pApi->xPhraseCount(pFts);
    int nCol = pApi->xColumnCount(pFts);
    sqlite3_int64 nRow = 0, nToken = 0;
    int i;
    p = (Bm25Data *)sqlite3_malloc64(sizeof(Bm25Data) + (sqlite3_int64)nPhrase * 2 * sizeof(double));
    if (p == 0) return SQLITE_NOMEM;
    memset(p, 0, sizeof(Bm25Data) + (size_t)nPhrase * 2 * sizeof(double));
    p->nPhrase = nPhrase;
    p->aIDF = (double *)&p[1];
    p->aFreq = &p->aIDF[nPhrase];
    rc = pApi->xRowCount(pFts, &nRow);
    if (rc == SQLITE_OK) rc = pApi->xColumnTotalSize(pFts, -1, &nToken);
    if (rc == SQLITE_OK) p->avgdl = nRow > 0 ? (double)nToken / (double)nRow : 1.0;
    for (i = 0; rc == SQLITE_OK && i < nPhrase; i++) {
      double idf;
      if (nVal > nCol + i && sqlite3_value_type(apVal[nCol + i]) != SQLITE_NULL) {
        idf = sqlite3_value_double(apVal[nCol + i]);
      } else {
        sqlite3_int64 nHit = 0;
        rc = pApi->xQueryPhrase(pFts, i, (void *)&nHit, countCb);
        idf = log((nRow - nHit + 0.5) / (nHit + 0.5));
      }
      if (idf <= 0.0) idf = 1e-6;
      p->aIDF[i] = idf;
    }
    if (rc != SQLITE_OK) {
      sqlite3_free(p);
      return rc;
    }
    rc = pApi->xSetAuxdata(pFts, p, sqlite3_free);
    if (rc != SQLITE_OK) return rc;
  }
  *ppData = p;
  return SQLITE_OK;
}

static void bm25Idf(const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3_context *pCtx, int nVal, sqlite3_value **apVal) {
  const double k1 = 1.2;
  const double b = 0.75;
  Bm25Data *pData = 0;
  double score = 0.0, D = 0.0;
  int nInst = 0, nCol, i;
  int rc = bm25Data(pApi, pFts, nVal, apVal, &pData);
  nCol = pApi->xColumnCount(pFts);
  if (rc == SQLITE_OK) {
    memset(pData->aFreq, 0, sizeof(double) * pData->nPhrase);
    rc = pApi->xInstCount(pFts, &nInst);
  }
  for (i = 0; rc == SQLITE_OK && i < nInst; i++) {
    int ip, ic, io;
    rc = pApi->xInst(pFts, i, &ip, &ic, &io);
    if (rc == SQLITE_OK) pData->aFreq[ip] += (ic < nCol && nVal > ic) ? sqlite3_value_double(apVal[ic]) : 1.0;
  }
  if (rc == SQLITE_OK) {
    int nTok = 0;
    rc = pApi->xColumnSize(pFts, -1, &nTok);
    D = (double)nTok;
  }
  if (rc == SQLITE_OK) {
    for (i = 0; i < pData->nPhrase; i++) {
      score += pData->aIDF[i] * ((pData->aFreq[i] * (k1 + 1.0)) / (pData->aFreq[i] + k1 * (1 - b + b * D / pData->avgdl)));
    }
    sqlite3_result_double(pCtx, -1.0 * score);
  } else {
    sqlite3_result_error_code(pCtx, rc);
  }
}

static fts5_api *fts5Api(sqlite3 *db) {
  fts5_api *pRet = 0;
  sqlite3_stmt *pStmt = 0;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &pStmt, 0) == SQLITE_OK) {
    sqlite3_bind_pointer(pStmt, 1, (void *)&pRet, "fts5_api_ptr", 0);
    sqlite3_step(pStmt);
  }
  sqlite3_finalize(pStmt);
  return pRet;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_extension_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  fts5_api *fts5;
  SQLITE_EXTENSION_INIT2(pApi);
  fts5 = fts5Api(db);
  if (fts5 == 0) {
    *pzErrMsg = sqlite3_mprintf("bm25_idf: this SQLite has no FTS5");
    return SQLITE_ERROR;
  }
  return fts5->xCreateFunction(fts5, "bm25_idf", 0, bm25Idf, 0);
}
