import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { answersFromFacts } from '../../src/ci-tools/assess/live-facts.ts';
import { assessMaturity, MATURITY_QUESTIONS, parseAnswer } from '../../src/ci-tools/assess/maturity-model.ts';

const yesThrough = (stage: number) => Object.fromEntries(MATURITY_QUESTIONS.map((question) => [question.id, question.stage <= stage]));

describe('assessMaturity', () => {
  for (const stage of [0, 1, 2, 3, 4, 5]) {
    it(`places an organisation that answers yes through stage ${stage} at stage ${stage}`, () => {
      assert.equal(assessMaturity(yesThrough(stage)).stage, stage);
    });
  }

  it('does not let a later stage count when an earlier one has a no: stages are not skipped', () => {
    const answers = { ...yesThrough(4), sso_integrated: false };
    const result = assessMaturity(answers);
    assert.equal(result.stage, 2);
    assert.deepEqual(result.nextStageGaps.map((question) => question.id), ['sso_integrated']);
    assert.match(result.nextStageInvestment!, /platform engineering .* 2-3 FTEs/);
  });

  it('treats an unanswered question as not yet yes', () => {
    const { organizational_awareness: _left, ...answers } = yesThrough(5);
    assert.equal(assessMaturity(answers).stage, 0);
  });

  it('has nothing further to invest in at stage 5', () => {
    const result = assessMaturity(yesThrough(5));
    assert.equal(result.nextStageInvestment, undefined);
    assert.deepEqual(result.nextStageGaps, []);
  });

  it('reads yes and no in their usual spellings', () => {
    assert.deepEqual(['Yes', 'y', 'TRUE', true, 'no', 'N', false, 'maybe', undefined].map(parseAnswer), [true, true, true, true, false, false, false, undefined, undefined]);
  });
});

describe('answersFromFacts', () => {
  const facts = { backends: 12, productionServers: undefined, registryEntries: undefined, isAuthenticated: true, ssoIssuer: 'https://sso.example.com/', isAuditOn: true, tenants: 3 };

  it('answers the platform questions from what the platform knows, with evidence', () => {
    const answers = answersFromFacts(facts);
    assert.deepEqual(Object.fromEntries(Object.entries(answers).map(([id, fact]) => [id, fact.answer])), {
      custom_server_built: true,
      server_has_basic_auth: true,
      department_platform: true,
      sso_integrated: true,
      audit_logs_captured: true,
      ten_production_servers: true,
      gateway_consolidates: true,
      multiple_departments: true,
    });
    assert.equal(answers.sso_integrated?.evidence, 'tokens from https://sso.example.com/');
  });

  it('counts production servers from the registry when there is one, and calls the embedded provider no SSO', () => {
    const answers = answersFromFacts({ ...facts, productionServers: 4, registryEntries: 9, ssoIssuer: undefined, tenants: 0 });
    assert.deepEqual(answers.ten_production_servers, { answer: false, evidence: '4 of 9 registry entries approved or active' });
    assert.equal(answers.sso_integrated?.answer, false);
    assert.match(answers.sso_integrated!.evidence, /embedded development provider/);
    assert.equal('multiple_departments' in answers, false, 'no tenants proves nothing about departments: the question is asked');
  });
});
