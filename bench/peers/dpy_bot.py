"""discord.py 2.x peer for scripts/bench: `python dpy_bot.py PORT BIG_GUILD_ID`.

Pointed at the local load generator as PLATFORM.md section 7 describes (discord.py has no
option for it): Route.BASE for REST, DiscordWebSocket.DEFAULT_GATEWAY for the gateway.
Replies with op 3 presence updates (change_presence): "ready" once ready, "p<k>" for a
latency probe, "end:<count>" for the end marker, "guild" when the big guild arrives.
"""
import sys

import discord
import discord.gateway
import discord.http
import yarl

PORT = int(sys.argv[1])
BIG_GUILD = int(sys.argv[2])
TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.GbEnCh.bench-only-not-a-real-token-000"

discord.http.Route.BASE = f"http://127.0.0.1:{PORT}/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{PORT}/")

intents = discord.Intents.default()
intents.message_content = True
# guild_ready_timeout only shortens the wait before on_ready (start-up, outside the clock).
client = discord.Client(intents=intents, guild_ready_timeout=0.2)
count = 0


async def say(name):
    await client.change_presence(activity=discord.Game(name=name))


@client.event
async def on_ready():
    await say("ready")


@client.event
async def on_message(message):
    global count
    content = message.content
    if content == "__bench_end__":
        await say(f"end:{count}")
        return
    count += 1  # before any await: handlers run as concurrent tasks
    if content.startswith("__probe__ "):
        await say("p" + content[10:])


@client.event
async def on_guild_join(guild):
    if guild.id == BIG_GUILD:
        await say(f"guild:{guild.member_count}")


@client.event
async def on_guild_available(guild):
    await on_guild_join(guild)

client.run(TOKEN, log_handler=None)
