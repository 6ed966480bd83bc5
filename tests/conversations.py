"""One request per turn of each bundled scenario (inputs unlike the seeds'), for cross-checks."""

from __future__ import annotations

from payloads import CURRENT_WEATHER_TOOL, GET_WEATHER_TOOL, TIME_TOOL, assistant_calls, call, chat, tool, user

Q000 = user("请调用 get_current_time 工具获取当前时间，然后用中文回答：现在几点？")
Q001 = user("Which city has a higher temperature, Nairobi or lima, and by how much in F?")
Q002 = user("What is the weather in Kyoto? Use the tool.")
Q003 = user("成都今天天气怎么样")

BUNDLED_REQUESTS = {
    "000-forced-call": chat(Q000, tools=[TIME_TOOL], tool_choice={"type": "function", "function": {"name": "get_current_time"}}),
    "000-answer": chat(Q000, assistant_calls(call("call_t", "get_current_time", "{}"), content=""),
                       tool("call_t", '{"time":"2030-03-09T07:08:09+08:00"}'), tools=[TIME_TOOL]),
    "001-parallel-calls": chat(Q001, tools=[CURRENT_WEATHER_TOOL], tool_choice="auto"),
    "001-compare": chat(Q001, assistant_calls(call("call_a", "get_current_weather", '{"location":"Nairobi","unit":"fahrenheit"}'),
                                              call("call_b", "get_current_weather", '{"location":"Lima","unit":"fahrenheit"}'), content="Checking."),
                        tool("call_a", "The temperature in Nairobi is 77 degrees Fahrenheit."),
                        tool("call_b", "The temperature in Lima is 66 degrees Fahrenheit."), tools=[CURRENT_WEATHER_TOOL]),
    "002-call": chat(Q002, tools=[GET_WEATHER_TOOL]),
    "002-answer": chat(Q002, assistant_calls(call("call_k", "get_weather", '{"city":"Kyoto"}')),
                       tool("call_k", '{"temperature":14,"condition":"cloudy"}'), tools=[GET_WEATHER_TOOL]),
    "003-call": chat(Q003, tools=[CURRENT_WEATHER_TOOL]),
    "003-answer": chat(Q003, assistant_calls(call("call_c", "get_current_weather", '{"location":"成都"}')),
                       tool("call_c", '{"temperature":21,"condition":"晴"}'), tools=[CURRENT_WEATHER_TOOL]),
    "catch-all": chat(user("Write a haiku about mocks."), model="mock-model"),
}
