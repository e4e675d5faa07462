import { describe, expect, it } from 'vitest';
import { authenticatorOn, securityView } from './securityFixtures';
import {
  SECTION_KEYS,
  STEP_UP_PURPOSE,
  confirmedSecondsLeft,
  defaultSection,
  forgetSections,
  noticeAfterToggle,
  sectionSummary,
  toggleSection,
  type SectionMemory,
} from './securitySections';

describe('toggleSection', () => {
  it('opens the clicked section, closing the one that was open', () => {
    expect(toggleSection(null, 'emails')).toBe('emails');
    expect(toggleSection('emails', 'sessions')).toBe('sessions');
  });

  it('closes the open section when its heading is clicked again', () => {
    expect(toggleSection('password', 'password')).toBeNull();
  });
});

describe('sectionSummary', () => {
  it('says what each closed section holds', () => {
    const overview = securityView.overview;
    expect(sectionSummary('providers', overview)).toEqual({ text: 'Google', warn: false });
    expect(sectionSummary('providers', { ...overview, linked_providers: [] }).text).toBe('None linked');
    expect(sectionSummary('authenticator', overview).text).toBe('Off');
    expect(sectionSummary('authenticator', authenticatorOn.overview).text).toBe('On');
    expect(sectionSummary('sessions', overview).text).toBe('3 sessions');
  });

  it('puts the email warnings in the heading, in red, so they are not hidden in a closed section', () => {
    expect(sectionSummary('emails', securityView.overview)).toEqual({ text: '2 warnings', warn: true });
    expect(sectionSummary('emails', { ...securityView.overview, warnings: [] })).toEqual({ text: '3 emails', warn: false });
  });
});

describe('defaultSection', () => {
  it('opens Emails when it has warnings, else nothing', () => {
    expect(defaultSection(securityView.overview)).toBe('emails');
    expect(defaultSection({ ...securityView.overview, warnings: [] })).toBeNull();
  });
});

describe('confirmedSecondsLeft', () => {
  it('counts down from what the portal said when the view arrived', () => {
    expect(confirmedSecondsLeft(300, 1_000_000, 1_000_000)).toBe(300);
    expect(confirmedSecondsLeft(300, 1_000_000, 1_061_500)).toBe(239);
    expect(confirmedSecondsLeft(300, 1_000_000, 1_400_000)).toBe(0);
    expect(confirmedSecondsLeft(0, 1_000_000, 1_000_000)).toBe(0);
  });

  it('never adds time when the clock goes back', () => {
    expect(confirmedSecondsLeft(120, 1_000_000, 900_000)).toBe(120);
  });
});

describe('the step-up', () => {
  it('says in each section which change it is for', () => {
    for (const key of SECTION_KEYS) expect(STEP_UP_PURPOSE[key]).toMatch(/^To .+, confirm it's you\.$/);
  });

  it("hides a section's answer when the user moves on, rather than moving it to the top", () => {
    expect(noticeAfterToggle('sessions')).toBe('hidden');
    expect(noticeAfterToggle('hidden')).toBe('hidden');
    expect(noticeAfterToggle(null)).toBeNull();
  });

  it('forgets the open section and where the last answer goes when the settings close', () => {
    const memory: SectionMemory = { open: 'emails', noticeIn: 'emails' };
    forgetSections(memory);
    expect(memory).toEqual({ open: null, noticeIn: null });
  });
});
