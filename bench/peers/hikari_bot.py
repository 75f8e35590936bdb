"""hikari 2.x peer for scripts/bench: `python hikari_bot.py PORT BIG_GUILD_ID`.

Pointed at the local load generator with hikari's own options (PLATFORM.md section 7):
rest_url, and /gateway/bot answers with the local gateway URL.
Replies with op 3 presence updates (update_presence): "ready" once started, "p<k>" for a
latency probe, "end:<count>" for the end marker, "guild" when the big guild arrives.
"""
import sys

import hikari

PORT = int(sys.argv[1])
BIG_GUILD = int(sys.argv[2])
TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.GbEnCh.bench-only-not-a-real-token-000"

bot = hikari.GatewayBot(
    TOKEN,
    rest_url=f"http://127.0.0.1:{PORT}/api/v10",
    intents=hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT,
    banner=None,
    suppress_optimization_warning=True,
    logs="WARNING",
)
count = 0


async def say(name):
    await bot.update_presence(activity=hikari.Activity(name=name, type=hikari.ActivityType.PLAYING))


@bot.listen(hikari.StartedEvent)
async def on_started(event):
    await say("ready")


@bot.listen(hikari.MessageCreateEvent)
async def on_message(event):
    global count
    content = event.message.content or ""
    if content == "__bench_end__":
        await say(f"end:{count}")
        return
    count += 1  # before any await: listeners run as concurrent tasks
    if content.startswith("__probe__ "):
        await say("p" + content[10:])


async def on_big_guild(event):
    if event.guild_id == BIG_GUILD:
        await say(f"guild:{event.guild.member_count}")


bot.subscribe(hikari.GuildAvailableEvent, on_big_guild)
bot.subscribe(hikari.GuildJoinEvent, on_big_guild)

bot.run(check_for_updates=False)
