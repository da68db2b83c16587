// One activity: details, sign up (or join its waitlist, with my position), cancel, and the
// on-site check-in by scanning the code shown there (or typing it). Opened from the check-in QR
// (`?id=&checkin=CODE`), it checks in at once.
import {
  ACTIVITY_TEXT, activityMeta, activityPlace, api, ARE_YOU_SURE, askSubscription, loadSubscriptions, subscribeNote, errorText, hasCode, idempotencyKey, NOT_NOW, ok, parseSocketQr, ready, scan, SCAN_CANCELLED,
  requiredSkills, seats, signedUp, span, waitlistPlace,
} from '../../lib/index';

Component({
  data: {
    id: 0, loading: true, error: '', message: '', title: '', when: '', place: '', team: '', seats: '', skills: '', description: '', deadline: '',
    state: '', open: false, confirmed: false, waitlisted: false, signupId: 0, canSignUp: false, signupText: '', key: '', code: '', needSkill: false, subscribeNote: '',
  },
  methods: {
    async onLoad(query: Record<string, string | undefined>) {
      this.setData({ id: Number(query.id), key: idempotencyKey() });
      if (!(await ready())) return;
      await Promise.all([this.load(), loadSubscriptions().then(() => this.setData({ subscribeNote: subscribeNote('signup') }))]);
      if (query.checkin) await this.checkIn(decodeURIComponent(query.checkin));
    },
    async load() {
      try {
        const a = await ok(api.GET('/api/v1/activities/{id}', { params: { path: { id: this.data.id } } }));
        const my = a.my_signup ?? null;
        this.setData({
          loading: false, title: a.title, when: span(a.starts_at, a.ends_at), place: activityPlace(a),
          team: activityMeta(a), seats: seats(a),
          skills: requiredSkills(a.required_skills), description: a.description,
          deadline: `报名截止：${span(a.signup_deadline)}`, open: a.status === 'open',
          confirmed: my?.status === 'confirmed', waitlisted: my?.status === 'waitlisted', signupId: my?.id ?? 0,
          state: my?.status === 'confirmed' ? ACTIVITY_TEXT.confirmed
            : my?.status === 'waitlisted' ? waitlistPlace(my.position) : '',
          canSignUp: !my && a.status === 'open', signupText: a.seats_left > 0 ? ACTIVITY_TEXT.signUp : ACTIVITY_TEXT.signUpWaitlist,
        });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    async onSignUp() {
      askSubscription('signup'); // inside this tap, as WeChat requires; the sign-up goes on at once
      try {
        const s = await ok(api.POST('/api/v1/activities/{id}/signups', { params: { path: { id: this.data.id }, header: { 'Idempotency-Key': this.data.key } } }));
        await this.load();
        this.setData({ message: signedUp(s), error: '', key: idempotencyKey() });
      } catch (e) {
        const missing = hasCode(e, 'missing_required_skill') ? (e.details as { missing?: string[] } | undefined)?.missing ?? [] : [];
        this.setData({ error: errorText(e) + (missing.length ? `（需要：${missing.join('、')}）` : ''), message: '', needSkill: hasCode(e, 'missing_required_skill') });
      }
    },
    async onCancel() {
      const sure = await wx.showModal({ title: this.data.confirmed ? ACTIVITY_TEXT.cancelSignup : ACTIVITY_TEXT.leaveWaitlist, content: ARE_YOU_SURE, confirmText: '确定', cancelText: NOT_NOW });
      if (!sure.confirm) return;
      try {
        await ok(api.POST('/api/v1/signups/{id}/cancel', { params: { path: { id: this.data.signupId } } }));
        await this.load();
        this.setData({ message: '已取消报名', error: '' });
      } catch (e) {
        this.setData({ error: errorText(e), message: '' });
      }
    },
    goSkills() {
      void wx.navigateTo({ url: '/pages/volunteer/index' });
    },
    onCode(e: WechatMiniprogram.Input) {
      this.setData({ code: e.detail.value });
    },
    async onScan() {
      const text = await scan();
      if (text === null) return this.setData({ error: SCAN_CANCELLED });
      await this.checkIn(parseSocketQr(text));
    },
    async onTyped() {
      if (!this.data.code.trim()) return this.setData({ error: ACTIVITY_TEXT.askCheckInCode });
      await this.checkIn(this.data.code.trim());
    },
    async checkIn(code: string) {
      try {
        await ok(api.POST('/api/v1/activities/{id}/check-in', { params: { path: { id: this.data.id } }, body: { code } }));
        this.setData({ message: ACTIVITY_TEXT.checkedIn, error: '' });
      } catch (e) {
        this.setData({ error: errorText(e), message: '' });
      }
    },
  },
});
