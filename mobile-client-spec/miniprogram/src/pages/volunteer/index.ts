// My volunteer profile (skills: add, delete) and the teams (apply to join, leave). Activities that
// need a skill refuse sign-ups without it; the activity page sends the resident here.
import { api, errorText, ok, ready, NOT_NOW, SKILL_TEXT, teamLeave, teamMeta, teamStanding } from '../../lib/index';

interface Team { id: number; name: string; description: string; meta: string; mine: string; member: boolean; leave: string }

Component({
  data: { loading: true, error: '', message: '', skills: [] as string[], skill: '', teams: [] as Team[] },
  methods: {
    async onLoad() {
      if (!(await ready())) return;
      await this.load();
    },
    async load() {
      try {
        const [profile, teams] = await Promise.all([
          ok(api.GET('/api/v1/me/volunteer-profile')),
          ok(api.GET('/api/v1/teams', { params: { query: { per_page: 50 } } })),
        ]);
        this.setData({
          loading: false, skills: profile.skills,
          teams: teams.items.map((t) => ({
            id: t.id, name: t.name, description: t.description,
            meta: teamMeta(t),
            member: !!t.my_role,
            mine: teamStanding(t),
            leave: teamLeave(t),
          })),
        });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    async save(skills: string[], done: string) {
      try {
        await ok(api.PUT('/api/v1/me/volunteer-profile', { body: { skills } }));
        await this.load();
        this.setData({ message: done, error: '', skill: '' });
      } catch (e) {
        this.setData({ error: errorText(e), message: '' });
      }
    },
    onSkill(e: WechatMiniprogram.Input) {
      this.setData({ skill: e.detail.value });
    },
    onAdd() {
      const skill = this.data.skill.trim();
      if (!skill) return this.setData({ error: SKILL_TEXT.ask, message: '' });
      if (this.data.skills.includes(skill)) return this.setData({ message: SKILL_TEXT.known(skill), error: '' });
      return this.save([...this.data.skills, skill], SKILL_TEXT.added(skill));
    },
    onDelete(e: WechatMiniprogram.TouchEvent) {
      const skill = String(e.currentTarget.dataset.skill);
      return this.save(this.data.skills.filter((s) => s !== skill), `已删除技能“${skill}”`);
    },
    async onJoin(e: WechatMiniprogram.TouchEvent) {
      const team = this.data.teams.find((t) => t.id === Number(e.currentTarget.dataset.id));
      if (!team) return;
      try {
        await ok(api.POST('/api/v1/teams/{id}/join', { params: { path: { id: team.id } } }));
        await this.load();
        this.setData({ message: `已申请加入“${team.name}”，队长审核后即可参加活动`, error: '' });
      } catch (err) {
        this.setData({ error: errorText(err), message: '' });
      }
    },
    async onLeave(e: WechatMiniprogram.TouchEvent) {
      const team = this.data.teams.find((t) => t.id === Number(e.currentTarget.dataset.id));
      if (!team) return;
      const sure = await wx.showModal({ title: team.leave, content: `确定退出“${team.name}”吗？`, confirmText: '确定', cancelText: NOT_NOW });
      if (!sure.confirm) return;
      try {
        await ok(api.POST('/api/v1/teams/{id}/leave', { params: { path: { id: team.id } } }));
        await this.load();
        this.setData({ message: `已退出“${team.name}”`, error: '' });
      } catch (err) {
        this.setData({ error: errorText(err), message: '' });
      }
    },
  },
});
